"use client";
/**
 * The right-hand panel: the selected step (status, times, attempts, error and cause, then input / output /
 * SageMaker job / history events in tabs), or with nothing selected the run itself (its error and the
 * failing steps, its input and output). The light step summary from the list shows at once; payloads,
 * jobs and events load per step (queries.ts) and the previous content stays until the next arrives.
 */
import { type ReactNode, useRef } from "react";
import { StatusBadge } from "@/components/ui/status-badge";
import ui from "@/components/ui/ui.module.css";
import { durationMs, formatDuration, formatUsd } from "@/lib/format";
import { jobCost, PRICE_TABLE_NOTE } from "@/lib/models/pricing";
import type { ErrorRules, NodeState } from "@/lib/runs/graph";
import type { Run, StepDetail, StepJob, StepSummary } from "@/lib/runs/schema";
import type { DetailTab } from "@/lib/runs/view-state";
import { stepLook } from "@/lib/status";
import { AttemptsSection } from "./attempts";
import styles from "./details.module.css";
import { JobLogs } from "./job-logs";
import { JsonViewer } from "./json-viewer";
import { LocalTime } from "./local-time";
import { MapRunView } from "./map-run-view";
import { MetricCharts } from "./metric-chart";
import { useRunPayloads, useStepDetail } from "./queries";
import { InputFields, SameValueLink } from "./same-value";

export type StepDetailsProps = {
  run: Run;
  steps: readonly StepSummary[];
  selectedKey: string | null;
  /** A graph node that has not run: shown as "not started". */
  selectedNode: { id: string; name: string; type: string; state: NodeState | undefined } | null;
  tab: DetailTab | undefined;
  now: number;
  /** The selected step's Retry / Catch rules from the definition, when it has any. */
  rules?: ErrorRules;
  onSelect: (key: string | null) => void;
  onTabChange: (tab: DetailTab) => void;
};

const TAB_LABELS: Record<DetailTab, string> = {
  input: "Input",
  output: "Output",
  job: "SageMaker job",
  events: "Events",
};
const TABS: DetailTab[] = ["input", "output", "job", "events"];

export function StepDetails(props: StepDetailsProps) {
  const { run, steps, selectedKey, selectedNode, now } = props;
  const step = selectedKey ? steps.find((s) => s.key === selectedKey) : undefined;
  if (step) return <StepPanel {...props} step={step} />;
  if (selectedNode) {
    return (
      <aside className={styles.panel} aria-labelledby="details-title">
        <header className={styles.head}>
          <h2 id="details-title" className={styles.title}>
            {selectedNode.name}
          </h2>
          <CloseButton onClose={() => props.onSelect(null)} />
        </header>
        <p>
          <StatusBadge kind="node" status={selectedNode.state?.status ?? "not-started"} />{" "}
          <span className="muted">{selectedNode.type}</span>
        </p>
        {selectedNode.state?.mapRun ? (
          <p data-testid="map-run-node-summary">
            Ran in the child executions of a Map Run: {selectedNode.state.mapRun}.{" "}
            <button
              type="button"
              className={styles.linkButton}
              onClick={() => props.onSelect(selectedNode.state?.stepKey ?? null)}
            >
              Open the Map Run
            </button>
          </p>
        ) : (
          <p className="muted">This state has not run in this execution{run.status === "RUNNING" ? " yet" : ""}.</p>
        )}
      </aside>
    );
  }
  return <RunOverview run={run} steps={steps} now={now} onSelect={props.onSelect} />;
}

function CloseButton({ onClose }: { onClose: () => void }) {
  return (
    <button type="button" className={styles.close} onClick={onClose} aria-label="Close step details">
      <span aria-hidden="true">×</span>
    </button>
  );
}

function RunOverview({
  run,
  steps,
  now,
  onSelect,
}: {
  run: Run;
  steps: readonly StepSummary[];
  now: number;
  onSelect: (key: string | null) => void;
}) {
  const payloads = useRunPayloads(run.publicId, true);
  const failing = steps.filter((s) => s.status === "FAILED" || s.status === "TIMED_OUT").slice(0, 8);
  return (
    <aside className={styles.panel} aria-labelledby="details-title" data-testid="run-overview">
      <header className={styles.head}>
        <h2 id="details-title" className={styles.title}>
          Run details
        </h2>
      </header>
      <p className="muted">Select a state in the graph or a step in the timeline to see its input, output and job.</p>
      {run.error || run.cause ? <ErrorBlock error={run.error} cause={run.cause} title="Execution error" /> : null}
      {failing.length ? (
        <section>
          <h3 className={styles.subtitle}>Failed steps</h3>
          <ul className={styles.failList}>
            {failing.map((s) => (
              <li key={s.key}>
                <button type="button" className={styles.linkButton} onClick={() => onSelect(s.key)}>
                  <span aria-hidden="true" className={styles.failGlyph}>
                    {stepLook(s.status).glyph}
                  </span>{" "}
                  {s.key}
                </button>
                {s.error ? <span className="muted"> — {s.error}</span> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <dl className={styles.facts}>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={run.status} size="sm" />
        </dd>
        <dt>Duration</dt>
        <dd>{formatDuration(durationMs(run.startedAt, run.stoppedAt, now))}</dd>
        <dt>Steps</dt>
        <dd>{Math.max(run.stepCount, steps.length).toLocaleString("en")}</dd>
      </dl>
      <h3 className={styles.subtitle}>Execution input</h3>
      {payloads.isPending ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <InputFields pipelineId={run.pipeline.id} input={payloads.data?.input ?? null} />
          <JsonViewer text={payloads.data?.input ?? null} label="Execution input" />
        </>
      )}
      {run.status !== "RUNNING" ? (
        <>
          <h3 className={styles.subtitle}>Execution output</h3>
          {payloads.isPending ? (
            <p className="muted">Loading…</p>
          ) : (
            <JsonViewer text={payloads.data?.output ?? null} label="Execution output" emptyText="No output." />
          )}
        </>
      ) : null}
    </aside>
  );
}

function ErrorBlock({ error, cause, title }: { error: string | null; cause: string | null; title: string }) {
  let prettyCause = cause;
  if (cause && cause.length < 64 * 1024 && /^\s*[{[]/.test(cause)) {
    try {
      prettyCause = JSON.stringify(JSON.parse(cause), null, 2);
    } catch {
      prettyCause = cause;
    }
  }
  return (
    <section className={styles.error} aria-label={title} data-testid="error-block">
      <h3 className={styles.errorTitle}>
        <span aria-hidden="true">✗</span> {error ?? "Error"}
      </h3>
      {prettyCause ? (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        <pre className={styles.cause} tabIndex={0}>
          {prettyCause}
        </pre>
      ) : null}
    </section>
  );
}

function stepRevision(step: StepSummary, run: Run): string {
  const live = step.status === "RUNNING" || step.jobStatus === "InProgress" || step.jobStatus === "Stopping";
  return `${step.status}|${step.attempts}|${step.exitedAt ?? ""}|${step.jobStatus ?? ""}|${live ? run.version : ""}`;
}

function StepPanel(props: StepDetailsProps & { step: StepSummary }) {
  const { run, step, now, onTabChange } = props;
  const detail = useStepDetail(run.publicId, step.key, stepRevision(step, run));
  const data = detail.data?.step.key === step.key ? detail.data : undefined;
  const tab: DetailTab = props.tab ?? (step.jobName ? "job" : "input");
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  // A distributed Map: its latest Map Run (a redrive continues the same one).
  const mapRun = run.mapRuns.findLast((m) => m.stepKey === step.key);
  const stepCost = data ? jobsCost(data.jobs) : null;
  const where =
    step.mapIterationIndex !== null
      ? `Map iteration ${step.mapIterationIndex}`
      : step.parallelBranchIndex !== null
        ? `Parallel branch ${step.parallelBranchIndex + 1}`
        : null;
  const onTabKey = (event: React.KeyboardEvent, index: number) => {
    const delta = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!delta) return;
    event.preventDefault();
    const next = (index + delta + TABS.length) % TABS.length;
    const nextTab = TABS[next];
    if (nextTab) onTabChange(nextTab);
    tabRefs.current[next]?.focus();
  };

  return (
    <aside className={styles.panel} aria-labelledby="details-title" data-testid="step-details">
      <header className={styles.head}>
        <div className={styles.headText}>
          <h2 id="details-title" className={styles.title}>
            {step.stateName}
          </h2>
          {step.key !== step.stateName ? <code className={styles.key}>{step.key}</code> : null}
        </div>
        <CloseButton onClose={() => props.onSelect(null)} />
      </header>
      <dl className={styles.facts}>
        <dt>Status</dt>
        <dd>
          <StatusBadge kind="step" status={step.status} size="sm" />
        </dd>
        <dt>Type</dt>
        <dd>
          {step.stateType}
          {data?.step.resource ? <span className="muted"> · {shortResource(data.step.resource)}</span> : null}
        </dd>
        {where ? (
          <>
            <dt>Scope</dt>
            <dd>{where}</dd>
          </>
        ) : null}
        <dt>Started</dt>
        <dd>
          <LocalTime iso={step.enteredAt} />
        </dd>
        <dt>Ended</dt>
        <dd>{step.exitedAt ? <LocalTime iso={step.exitedAt} /> : <span className="muted">still running</span>}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(durationMs(step.enteredAt, step.exitedAt, now))}</dd>
        <dt>Attempts</dt>
        <dd>
          {step.attempts}
          {step.attempts > 1 ? <span className="muted"> ({step.attempts - 1} retried)</span> : null}
        </dd>
        {stepCost ? (
          <>
            <dt>Cost</dt>
            <dd data-testid="step-cost" title={PRICE_TABLE_NOTE}>
              ≈ {formatUsd(stepCost.usd)} <span className="muted">approx.</span>
              {stepCost.spotSavingsUsd > 0 ? (
                <span className="muted"> · spot saved ≈ {formatUsd(stepCost.spotSavingsUsd)}</span>
              ) : null}
            </dd>
          </>
        ) : null}
      </dl>
      {step.error || data?.step.cause ? (
        <ErrorBlock error={data?.step.error ?? step.error} cause={data?.step.cause ?? null} title="Step error" />
      ) : null}
      <AttemptsSection
        step={step}
        attempts={data?.step.attemptLog ?? step.attemptLog ?? null}
        rules={props.rules}
        now={now}
      />
      {mapRun ? <MapRunView publicId={run.publicId} mapRun={mapRun} now={now} /> : null}
      <div className={styles.tabs} role="tablist" aria-label="Step data">
        {TABS.map((t, index) => (
          <button
            key={t}
            ref={(el) => {
              tabRefs.current[index] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            className={styles.tab}
            onClick={() => onTabChange(t)}
            onKeyDown={(e) => onTabKey(e, index)}
          >
            {TAB_LABELS[t]}
            {t === "job" && !step.jobName ? <span className="visually-hidden"> (none)</span> : null}
          </button>
        ))}
      </div>
      <div className={styles.tabPanel} role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {detail.isError && !data ? (
          <p className={styles.loadError}>Could not load this step: {detail.error.message}</p>
        ) : !data ? (
          <p className="muted">Loading…</p>
        ) : tab === "input" ? (
          <JsonViewer text={data.step.input} label="Step input" />
        ) : tab === "output" ? (
          <JsonViewer
            text={data.step.output}
            label="Step output"
            emptyText={step.status === "RUNNING" ? "No output yet." : "No output."}
          />
        ) : tab === "job" ? (
          <>
            <JobsView jobs={data.jobs} step={step} now={now} pipelineId={props.run.pipeline.id} />
            {step.jobName ? <JobLogs publicId={run.publicId} step={step} /> : null}
          </>
        ) : (
          <EventsView detail={data} />
        )}
      </div>
    </aside>
  );
}

/** The step's SageMaker jobs priced (every attempt's job counts), or null when none could be. */
function jobsCost(jobs: readonly StepJob[]): { usd: number; spotSavingsUsd: number } | null {
  let usd = 0;
  let spotSavingsUsd = 0;
  let priced = 0;
  for (const job of jobs) {
    const ranSeconds =
      job.startedAt && job.endedAt ? Math.round((Date.parse(job.endedAt) - Date.parse(job.startedAt)) / 1000) : null;
    const cost = jobCost({ ...job, ranSeconds });
    if (!cost) continue;
    usd += cost.usd;
    spotSavingsUsd += cost.spotSavingsUsd;
    priced++;
  }
  return priced > 0 ? { usd, spotSavingsUsd } : null;
}

function shortResource(resource: string): string {
  return resource.replace(/^arn:aws[\w-]*:states:::/, "").replace(/^arn:aws[\w-]*:lambda:[^:]+:\d+:function:/, "λ ");
}

const JOB_KIND: Record<string, string> = {
  TRAINING: "Training job",
  PROCESSING: "Processing job",
  TRANSFORM: "Batch transform job",
  TUNING: "Tuning job",
};

function JobsView({
  jobs,
  step,
  now,
  pipelineId,
}: {
  jobs: StepJob[];
  step: StepSummary;
  now: number;
  pipelineId: number;
}) {
  if (jobs.length === 0) {
    return (
      <p className="muted">
        {step.jobName
          ? `This step started ${step.jobName}; its details have not been synced yet.`
          : "This step started no SageMaker job."}
      </p>
    );
  }
  return (
    <div className={styles.jobs}>
      {jobs.map((job) => (
        <JobView key={job.arn} job={job} now={now} pipelineId={pipelineId} />
      ))}
    </div>
  );
}

function JobView({ job, now, pipelineId }: { job: StepJob; now: number; pipelineId: number }) {
  const hyper = Object.entries(job.hyperParameters).filter(([k]) => !k.startsWith("sagemaker_") && !k.startsWith("_"));
  return (
    <section className={styles.job} aria-label={`${JOB_KIND[job.kind] ?? "Job"} ${job.name}`}>
      <h3 className={styles.subtitle}>
        {JOB_KIND[job.kind] ?? "Job"} <code className={styles.jobName}>{job.name}</code>
      </h3>
      <p className={styles.jobStatus}>
        <StatusBadge kind="job" status={job.status} size="sm" />
        {job.secondaryStatus && job.secondaryStatus !== job.status ? (
          <span className="muted"> · {job.secondaryStatus}</span>
        ) : null}
      </p>
      {job.failureReason ? <ErrorBlock error="Failure reason" cause={job.failureReason} title="Job failure" /> : null}
      <dl className={styles.facts}>
        <dt>Instances</dt>
        <dd>
          {job.instanceType ?? "—"}
          {job.instanceCount ? ` × ${job.instanceCount}` : ""}
        </dd>
        <dt>Billable time</dt>
        <dd>{job.billableSeconds !== null ? formatDuration(job.billableSeconds * 1000) : "—"}</dd>
        <dt>Ran</dt>
        <dd>{job.startedAt ? formatDuration(durationMs(job.startedAt, job.endedAt, now)) : "—"}</dd>
        <dt>Artifact</dt>
        <dd className={styles.wrap}>{job.artifactUri ? <code>{job.artifactUri}</code> : "—"}</dd>
        <dt>Links</dt>
        <dd className={styles.links}>
          <a href={job.consoleUrl} target="_blank" rel="noreferrer">
            SageMaker console<span className="visually-hidden"> (opens in a new tab)</span>
          </a>
          <a href={job.logsUrl} target="_blank" rel="noreferrer">
            CloudWatch logs<span className="visually-hidden"> (opens in a new tab)</span>
          </a>
        </dd>
      </dl>
      {job.statusTransitions.length ? (
        <>
          <h4 className={styles.minor}>Status transitions</h4>
          <ol className={styles.transitions}>
            {job.statusTransitions.map((t, i) => (
              <li key={`${t.status}-${t.startTime ?? i}`}>
                <span className={styles.transitionStatus}>{t.status}</span>
                <span className="muted">
                  {t.startTime ? <LocalTime iso={t.startTime} withDate={false} /> : null}
                  {t.startTime
                    ? ` · ${t.endTime ? formatDuration(durationMs(t.startTime, t.endTime, now)) : "now"}`
                    : ""}
                </span>
                {t.message ? <span className={styles.transitionMessage}>{t.message}</span> : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
      <NameValueTable
        title="Final metrics"
        name="Metric"
        rows={job.finalMetrics.map(
          (m): NameValue => [m.name, Number.isInteger(m.value) ? m.value : m.value.toPrecision(5)],
        )}
      />
      {job.series.length ? (
        <>
          <h4 className={styles.minor}>Metric curves</h4>
          <MetricCharts series={job.series} period={job.seriesPeriod} />
        </>
      ) : null}
      {job.seriesState === "UNAVAILABLE" ? (
        <p className={ui.notice} data-testid="series-unavailable">
          <span aria-hidden="true">⚠ </span>
          {job.series.length ? "more per-epoch curves unavailable: " : "per-epoch curves unavailable: "}
          {job.seriesNote ?? "CloudWatch did not return them"}
        </p>
      ) : job.seriesState === "PENDING" && job.series.length === 0 && job.status !== "InProgress" ? (
        <p className="muted">Per-epoch curves not synced yet.</p>
      ) : null}
      <NameValueTable
        title="Hyperparameters"
        name="Name"
        wrap
        rows={hyper.map(
          ([k, v]): NameValue => [
            k,
            job.kind === "TRAINING" ? (
              <SameValueLink key={k} pipelineId={pipelineId} source="hp" path={[k]} value={v}>
                {v}
              </SameValueLink>
            ) : (
              v
            ),
          ],
        )}
      />
    </section>
  );
}

type NameValue = [name: string, value: ReactNode];

/** A job's names and values (final metrics, hyperparameters) under their heading; nothing when there are none. */
function NameValueTable({
  title,
  name,
  rows,
  wrap,
}: {
  title: string;
  name: string;
  rows: NameValue[];
  wrap?: boolean;
}) {
  if (rows.length === 0) return null;
  return (
    <>
      <h4 className={styles.minor}>{title}</h4>
      <table className={`data ${styles.table}`}>
        <thead>
          <tr>
            <th scope="col">{name}</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([key, value]) => (
            <tr key={key}>
              <td>{key}</td>
              <td className={wrap ? styles.wrap : undefined}>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function EventsView({ detail }: { detail: StepDetail }) {
  if (detail.events.length === 0) return <p className="muted">No history events stored for this step yet.</p>;
  const start = Date.parse(detail.events[0]?.timestamp ?? detail.step.enteredAt);
  return (
    <ol className={styles.events}>
      {detail.events.map((e) => (
        <li key={e.id}>
          <div className={styles.eventHead}>
            <span className={styles.eventId}>#{e.id}</span>
            <span className={styles.eventType}>{e.type}</span>
            <span className="muted">+{formatDuration(Date.parse(e.timestamp) - start)}</span>
          </div>
          {e.details && e.details !== "{}" ? (
            <details className={styles.eventDetails}>
              <summary>Details</summary>
              <JsonViewer text={e.details} label={`${e.type} details`} />
            </details>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
