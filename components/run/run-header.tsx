"use client";
/** The run's header: where it belongs, what it is, how it is going, and ways out (AWS console, neighbours). */
import Link from "next/link";
import { StatusBadge } from "@/components/ui/status-badge";
import ui from "@/components/ui/ui.module.css";
import { durationMs, formatDuration, formatUsd } from "@/lib/format";
import { PRICE_TABLE_NOTE } from "@/lib/models/pricing";
import { runPath } from "@/lib/runs/links";
import type { Run } from "@/lib/runs/schema";
import { stepLook } from "@/lib/status";
import { CopyLink } from "./copy-link";
import { LocalTime } from "./local-time";
import styles from "./run.module.css";
import { type RunActionFns, RunActions } from "./run-actions";

export function RunHeader({ run, now, actions }: { run: Run; now: number; actions: RunActionFns | null }) {
  const duration = formatDuration(durationMs(run.startedAt, run.stoppedAt, now));
  const stepCounts = Object.entries(run.statusCounts).sort(([a], [b]) => a.localeCompare(b));
  return (
    <header className={styles.header}>
      <nav aria-label="Breadcrumb" className={styles.crumbs}>
        <Link href="/pipelines">Pipelines</Link>
        <span aria-hidden="true">/</span>
        <Link href={`/pipelines/${run.pipeline.id}`}>{run.pipeline.name}</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Run</span>
        <span className={styles.neighbours}>
          {run.previous ? (
            <Link href={runPath(run.previous.publicId)} rel="prev" title={`Previous run: ${run.previous.name}`}>
              <span aria-hidden="true">‹</span> Previous run
            </Link>
          ) : (
            <span className="muted">No earlier run</span>
          )}
          {run.next ? (
            <Link href={runPath(run.next.publicId)} rel="next" title={`Next run: ${run.next.name}`}>
              Next run <span aria-hidden="true">›</span>
            </Link>
          ) : (
            <span className="muted">Latest run</span>
          )}
        </span>
      </nav>
      <div className={styles.titleRow}>
        <h1 className={styles.h1}>{run.name}</h1>
        <span data-testid="run-status">
          <StatusBadge status={run.status} />
        </span>
        <span className={styles.titleSpacer} />
        {actions ? (
          <RunActions publicId={run.publicId} status={run.status} stoppedAt={run.stoppedAt} actions={actions} />
        ) : null}
        <CopyLink />
        <a className={styles.button} href={run.consoleUrl} target="_blank" rel="noreferrer">
          AWS console <span aria-hidden="true">↗</span>
          <span className="visually-hidden"> (opens in a new tab)</span>
        </a>
      </div>
      <dl className={styles.meta}>
        <div>
          <dt>Started</dt>
          <dd>
            <LocalTime iso={run.startedAt} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd data-testid="run-duration">
            {duration}
            {run.status === "RUNNING" ? <span className="muted"> so far</span> : null}
          </dd>
        </div>
        <div>
          <dt>Input</dt>
          <dd className={styles.inputSummary} title={run.inputSummary ?? undefined}>
            {run.inputSummary ?? <span className="muted">none</span>}
          </dd>
        </div>
        <div>
          <dt>Redrives</dt>
          <dd data-testid="run-redrives">
            {run.redriveCount}
            {run.redriveDate ? (
              <span className="muted">
                {" "}
                (last <LocalTime iso={run.redriveDate} />)
              </span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Team</dt>
          <dd>{run.pipeline.team?.name ?? <span className="muted">none</span>}</dd>
        </div>
        {run.cost && run.cost.pricedJobs > 0 ? (
          <div>
            <dt>Cost</dt>
            <dd
              data-testid="run-cost"
              title={`${PRICE_TABLE_NOTE} ${run.cost.pricedJobs} of ${run.cost.jobs} SageMaker jobs priced.`}
            >
              ≈ {formatUsd(run.cost.usd)} <span className="muted">approx.</span>
              {run.cost.spotSavingsUsd > 0 ? (
                <span className="muted"> · spot saved ≈ {formatUsd(run.cost.spotSavingsUsd)}</span>
              ) : null}
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Steps</dt>
          <dd>
            {stepCounts.length === 0 ? <span className="muted">none yet</span> : null}
            {stepCounts.map(([status, n]) => (
              <span key={status} className={styles.count} data-tone={stepLook(status).tone}>
                {stepLook(status).glyph} {n} {stepLook(status).word.toLowerCase()}
              </span>
            ))}
          </dd>
        </div>
      </dl>
      {run.syncWarnings.length > 0 ? (
        <section
          className={`${ui.notice} ${styles.syncWarning}`}
          aria-label="Sync warnings"
          data-testid="sync-warnings"
        >
          <h2 className={styles.syncWarningTitle}>
            <span aria-hidden="true">⚠ </span>Incomplete: Stepwise stopped reading part of this run from AWS
          </h2>
          <ul>
            {run.syncWarnings.map((w) => (
              <li key={`${w.operation}|${w.object}`}>
                {w.message}{" "}
                <span className="muted">
                  (since <LocalTime iso={w.gaveUpAt} />)
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </header>
  );
}
