"use client";
/**
 * "Changes since the last good run" on the run page: the diff GET /api/v1/runs/{id}/changes returns (the same
 * one notebooks and alerts get), as one table per kind of change. Regressed metrics carry ▼ and the word,
 * never colour alone; long lists show their first rows and a button for the rest.
 */
import Link from "next/link";
import { useState } from "react";
import { StatusBadge } from "@/components/ui/status-badge";
import ui from "@/components/ui/ui.module.css";
import { better } from "@/lib/changes/diff";
import type { RunChanges, ValueChange } from "@/lib/changes/schema";
import { formatDuration, formatMetric, formatUsd, formatUtc } from "@/lib/format";
import { metricLabel } from "@/lib/metrics/direction";
import { runPath } from "@/lib/runs/links";
import styles from "./changes.module.css";
import details from "./details.module.css";

const FIRST_ROWS = 8;

type Props = {
  changes: RunChanges | undefined;
  error: Error | null;
};

export function ChangesPanel({ changes, error }: Props) {
  return (
    <section className={`${details.panel} ${styles.panel}`} aria-labelledby="changes-title" data-testid="changes-panel">
      <h2 id="changes-title" className={styles.title}>
        Changes since the last good run
      </h2>
      {error ? (
        <p role="alert" className={styles.note}>
          Could not load the comparison: {error.message}
        </p>
      ) : !changes ? (
        <p className={styles.note} role="status">
          Comparing with the last good run…
        </p>
      ) : (
        <ChangesBody changes={changes} />
      )}
    </section>
  );
}

function ChangesBody({ changes }: { changes: RunChanges }) {
  const { baseline } = changes;
  const regressed = changes.metrics.filter((m) => m.regressed);
  const nothing =
    baseline &&
    !changes.definition.changed &&
    [changes.input, changes.hyperParameters, changes.images, changes.instances, changes.dataLocations].every(
      (l) => l.length === 0,
    ) &&
    changes.steps.length === 0;
  return (
    <>
      {baseline ? (
        <p className={styles.baseline} data-testid="changes-baseline">
          Compared with{" "}
          <Link href={runPath(baseline.publicId)} className={styles.runLink}>
            {baseline.name}
          </Link>{" "}
          <StatusBadge status={baseline.status} size="sm" />{" "}
          <span className="muted">started {formatUtc(baseline.startedAt)}</span>, the pipeline's latest successful run
          before this one without a metric regression (worse than the trailing baseline by more than{" "}
          {changes.thresholdPercent} %).
        </p>
      ) : (
        <p className={styles.note} data-testid="changes-note">
          {changes.note}
        </p>
      )}
      {regressed.length ? (
        <p className={styles.regressed} data-testid="changes-regressed">
          <span aria-hidden="true">▼</span> Regressed: {regressed.map((m) => metricLabel(m.name)).join(", ")}
        </p>
      ) : null}
      {changes.metrics.length ? (
        <Table caption="Metrics" columns={["Metric", "Last good run", "This run", "Trailing baseline"]}>
          {changes.metrics.map((m) => {
            const b = better(m);
            return (
              <tr key={m.name} data-regressed={m.regressed || undefined}>
                <th scope="row">{metricLabel(m.name)}</th>
                <td>{m.baselineRunValue === null ? "—" : formatMetric(m.baselineRunValue)}</td>
                <td>
                  {m.value === null ? "—" : formatMetric(m.value)}
                  {b === null ? null : (
                    <span className={styles.delta} data-better={b}>
                      {" "}
                      {b ? "better" : "worse"}
                    </span>
                  )}
                </td>
                <td>
                  {m.trailingBaseline === null ? "—" : formatMetric(m.trailingBaseline)}
                  {m.regressed ? (
                    <span className={styles.regressedMark}>
                      {" "}
                      <span aria-hidden="true">▼</span> regressed
                    </span>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </Table>
      ) : null}
      {baseline ? (
        <>
          {nothing ? (
            <p className={styles.note} data-testid="changes-none">
              Same definition, input, settings and data as the last good run; no step took a different time.
            </p>
          ) : null}
          {changes.definition.changed ? (
            <p data-testid="changes-definition">
              Definition changed: revision {changes.definition.before ?? "unknown"} →{" "}
              {changes.definition.after ?? "unknown"}.
            </p>
          ) : null}
          <ValueTable caption="Input" rows={changes.input} />
          <ValueTable caption="Hyperparameters" rows={changes.hyperParameters} />
          <ValueTable caption="Images" rows={changes.images} />
          <ValueTable caption="Instances" rows={changes.instances} />
          <ValueTable caption="Input data locations" rows={changes.dataLocations} />
          <StepTable changes={changes} />
          {changes.cost.before !== null || changes.cost.after !== null ? (
            <p data-testid="changes-cost">
              Approximate SageMaker cost: {formatUsd(changes.cost.before)} → {formatUsd(changes.cost.after)}
            </p>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function Table({ caption, columns, children }: { caption: string; columns: string[]; children: React.ReactNode }) {
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table} data-testid={`changes-${caption.toLowerCase().replace(/\s+/g, "-")}`}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function useFirstRows<T>(rows: readonly T[]) {
  const [all, setAll] = useState(false);
  const shown = all ? rows : rows.slice(0, FIRST_ROWS);
  const more =
    rows.length > FIRST_ROWS ? (
      <button
        type="button"
        className={`${ui.smallAction} ${styles.more}`}
        onClick={() => setAll(!all)}
        aria-expanded={all}
      >
        {all ? "Show fewer" : `Show all ${rows.length}`}
      </button>
    ) : null;
  return { shown, more };
}

function ValueTable({ caption, rows }: { caption: string; rows: ValueChange[] }) {
  const { shown, more } = useFirstRows(rows);
  if (rows.length === 0) return null;
  const withStep = rows.some((r) => r.step !== null);
  return (
    <>
      <Table caption={caption} columns={[withStep ? "Step · what" : "What", "Last good run", "This run"]}>
        {shown.map((r) => (
          <tr key={`${r.step ?? ""}\u0000${r.key}`} data-kind={r.kind}>
            <th scope="row">
              {r.step ? <span className="muted">{r.step} · </span> : null}
              {r.key}
            </th>
            <td>{r.before ?? <span className="muted">(absent)</span>}</td>
            <td>{r.after ?? <span className="muted">(absent)</span>}</td>
          </tr>
        ))}
      </Table>
      {more}
    </>
  );
}

function StepTable({ changes }: { changes: RunChanges }) {
  const { shown, more } = useFirstRows(changes.steps);
  if (changes.steps.length === 0) return null;
  return (
    <>
      <Table caption="Step durations" columns={["Step", "Last good run", "This run", "Change"]}>
        {shown.map((s) => (
          <tr key={s.key}>
            <th scope="row">{s.key}</th>
            <td>{s.beforeMs === null ? "did not run" : formatDuration(s.beforeMs)}</td>
            <td>{s.afterMs === null ? "did not run / running" : formatDuration(s.afterMs)}</td>
            <td>
              {s.deltaMs === null ? "—" : `${s.deltaMs > 0 ? "+" : "−"}${formatDuration(Math.abs(s.deltaMs))}`}
              {s.deltaMs !== null && s.beforeMs
                ? ` (${s.deltaMs > 0 ? "+" : ""}${Math.round((s.deltaMs / s.beforeMs) * 100)} %)`
                : ""}
            </td>
          </tr>
        ))}
      </Table>
      {more}
    </>
  );
}
