"use client";
/**
 * A step's attempts and the error rules that applied: each attempt of a retried step (start, duration,
 * outcome, error and cause), then the state's Retry and Catch rules from the definition, marking the retrier
 * each failure matched and the catcher that routed a caught error onward (the path it took). Selecting an
 * attempt opens its cause and puts it in the shareable URL (`&attempt=<n>`, run-page-context.tsx).
 */
import { StatusBadge } from "@/components/ui/status-badge";
import { durationMs, formatDuration } from "@/lib/format";
import { type ErrorRules, ruleFor } from "@/lib/runs/graph";
import type { StepAttempt, StepAttemptSummary, StepSummary } from "@/lib/runs/schema";
import styles from "./details.module.css";
import depth from "./run-depth.module.css";
import { useRunPage } from "./run-page-context";

type Attempt = StepAttemptSummary & { cause?: string | null };

const isFailure = (status: string) => status === "FAILED" || status === "TIMED_OUT";

export function AttemptsSection({
  step,
  attempts,
  rules,
  now,
}: {
  step: StepSummary;
  /** The attempts with their causes once the step's details are loaded, else the list's summaries. */
  attempts: readonly (StepAttempt | Attempt)[] | null;
  rules: ErrorRules | undefined;
  now: number;
}) {
  const { attempt: selected, select } = useRunPage();
  const list = attempts && attempts.length > 1 ? attempts : null;
  if (!list && !rules) return null;
  const failures = (list ?? []).filter((a) => isFailure(a.status) && a.error !== null);
  const caughtBy = step.status === "CAUGHT" && rules ? ruleFor(rules.catch, step.error) : null;
  return (
    <section aria-labelledby="attempts-title" data-testid="step-attempts">
      {list ? (
        <>
          <h3 id="attempts-title" className={styles.subtitle}>
            Attempts <span className="muted">({list.length})</span>
          </h3>
          <table className={`data ${styles.table} ${styles.attemptTable}`}>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col" title="After the step was entered">
                  Started
                </th>
                <th scope="col">Duration</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {list.map((attempt, index) => (
                <tr
                  key={attempt.startedAt}
                  data-testid="step-attempt"
                  data-status={attempt.status}
                  data-selected={selected === index + 1 || undefined}
                  className={selected === index + 1 ? depth.attemptSelected : undefined}
                >
                  <td>
                    <button
                      type="button"
                      className={styles.linkButton}
                      aria-pressed={selected === index + 1}
                      aria-label={`Attempt ${index + 1}`}
                      onClick={() => select({ attempt: selected === index + 1 ? null : index + 1 })}
                    >
                      {index + 1}
                    </button>
                  </td>
                  <td title={attempt.startedAt}>
                    +{formatDuration(Date.parse(attempt.startedAt) - Date.parse(step.enteredAt))}
                  </td>
                  <td>{formatDuration(durationMs(attempt.startedAt, attempt.endedAt, now))}</td>
                  <td className={styles.wrap}>
                    <StatusBadge kind="step" status={attempt.status} size="sm" />
                    {attempt.error ? <code className={styles.attemptError}> {attempt.error}</code> : null}
                    {"cause" in attempt && attempt.cause ? (
                      <details className={styles.attemptCause} open={selected === index + 1 || undefined}>
                        <summary>Cause</summary>
                        <pre>{attempt.cause}</pre>
                      </details>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <h3 id="attempts-title" className={styles.subtitle}>
          Error handling
        </h3>
      )}
      {rules ? (
        <ul className={styles.rules} aria-label="Retry and Catch rules">
          {rules.retry.map((rule, index) => {
            const matched = failures.filter((f) => ruleFor(rules.retry, f.error) === rule).length;
            return (
              <li key={`r${index.toString()}`} data-testid="retry-rule" data-applied={matched > 0 || undefined}>
                <strong>Retry</strong> <code>{rule.errors.join(", ")}</code>: up to {rule.maxAttempts} time
                {rule.maxAttempts === 1 ? "" : "s"}, first after {formatDuration(rule.intervalSeconds * 1000)}
                {rule.backoffRate !== 1 ? `, ×${rule.backoffRate} each time` : ""}
                {rule.maxDelaySeconds !== null ? `, at most ${formatDuration(rule.maxDelaySeconds * 1000)}` : ""}
                {matched > 0 ? (
                  <span className={styles.ruleApplied}>
                    {" "}
                    — applied to {matched} failure{matched === 1 ? "" : "s"}
                  </span>
                ) : null}
              </li>
            );
          })}
          {rules.catch.map((rule, index) => (
            <li key={`c${index.toString()}`} data-testid="catch-rule" data-applied={rule === caughtBy || undefined}>
              <strong>Catch</strong> <code>{rule.errors.join(", ")}</code> → {rule.next}
              {rule === caughtBy ? (
                <span className={styles.ruleApplied}>
                  {" "}
                  — caught {step.error}, went on to {rule.next}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
