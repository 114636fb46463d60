"use client";
/**
 * A distributed Map's Map Run in the step panel: how its items went (from DescribeMapRun as the sync stored it),
 * its redrives, and — when it has unsuccessful items — "Redrive failed items": in AWS a Map Run is redriven by
 * redriving its parent execution (RedriveExecution), which reruns only the unsuccessful children, so the button
 * is the run's own redrive action (same server action, team check, audit) and says why when it is not possible.
 * "Show counts and child executions" opens the counts table and the child executions — read from Step Functions
 * a page at a time, filterable by status — and puts the Map Run in the shareable URL (`&mapRun=`).
 */
import { useEffect, useId, useRef, useState } from "react";
import { StatusBadge } from "@/components/ui/status-badge";
import ui from "@/components/ui/ui.module.css";
import { durationMs, formatDuration, plural } from "@/lib/format";
import { mapRunText } from "@/lib/runs/graph";
import { runActionUnavailable } from "@/lib/runs/permissions";
import type { MapRunSummary, Run } from "@/lib/runs/schema";
import { RUN_STATUSES, runLook } from "@/lib/status";
import styles from "./details.module.css";
import { LocalTime } from "./local-time";
import { useMapRunExecutions } from "./queries";
import type { RunActionFns } from "./run-actions";
import depth from "./run-depth.module.css";
import { useRunPage } from "./run-page-context";
import { findMapRun, mapRunToken } from "./run-url";
import { useRunAction } from "./use-run-action";

const COUNT_ROWS: [keyof MapRunSummary["itemCounts"], string][] = [
  ["total", "Total"],
  ["succeeded", "Succeeded"],
  ["failed", "Failed"],
  ["timedOut", "Timed out"],
  ["aborted", "Aborted"],
  ["running", "Running"],
  ["pending", "Pending"],
  ["pendingRedrive", "Pending redrive"],
];

/** AWS's hard limit of redrives of one Map Run. */
const MAP_RUN_REDRIVE_LIMIT = 1000;

export function MapRunView({
  publicId,
  mapRun: latest,
  now,
}: {
  publicId: string;
  /** The step's latest Map Run (the one shown unless the URL names another of the same step). */
  mapRun: MapRunSummary;
  now: number;
}) {
  const page = useRunPage();
  const all = page.run?.mapRuns ?? [latest];
  const ofStep = all.filter((m) => m.stepKey === latest.stepKey);
  const named = findMapRun(all, page.mapRun);
  const mapRun = named && named.stepKey === latest.stepKey ? named : latest;
  const open = named !== undefined && named.stepKey === latest.stepKey;
  const detailsId = useId();
  const section = useRef<HTMLElement>(null);
  // A shared link that names the Map Run brings it into view once, when the page opens.
  const scrolled = useRef(false);
  useEffect(() => {
    if (open && !scrolled.current) section.current?.scrollIntoView({ block: "nearest" });
    scrolled.current = true;
  }, [open]);
  const items = mapRun.itemCounts;
  const children = mapRun.executionCounts;
  const tolerated =
    mapRun.toleratedFailureCount > 0
      ? `${mapRun.toleratedFailureCount} item${mapRun.toleratedFailureCount === 1 ? "" : "s"}`
      : `${mapRun.toleratedFailurePercentage} %`;
  return (
    <section
      ref={section}
      className={styles.mapRun}
      aria-labelledby="map-run-title"
      data-testid="map-run"
      data-open={open || undefined}
    >
      <div className={depth.mapRunHead}>
        <h3 id="map-run-title" className={styles.subtitle}>
          Map Run <StatusBadge kind="run" status={mapRun.status} size="sm" />
        </h3>
        {ofStep.length > 1 ? (
          <fieldset className={depth.mapRunPicker}>
            <legend className="visually-hidden">Map Runs of this step</legend>
            {ofStep.map((m, index) => (
              <button
                key={m.mapRunArn}
                type="button"
                className={ui.tool}
                aria-pressed={m.mapRunArn === mapRun.mapRunArn}
                onClick={() => page.select({ mapRun: mapRunToken(all, m.mapRunArn) })}
              >
                {index + 1}
              </button>
            ))}
          </fieldset>
        ) : null}
      </div>
      <p data-testid="map-run-summary">
        {mapRunText(mapRun)}
        {items.pendingRedrive > 0 ? `, ${plural(items.pendingRedrive, "item")} waiting to be redriven` : ""}.
      </p>
      {mapRun.redriveCount > 0 ? (
        <p data-testid="map-run-redrives">
          Redriven {mapRun.redriveCount === 1 ? "once" : `${mapRun.redriveCount.toLocaleString("en")} times`}
          {mapRun.redriveDate ? (
            <>
              , last at <LocalTime iso={mapRun.redriveDate} />
            </>
          ) : null}
          .
        </p>
      ) : null}
      <MapRunRedrive publicId={publicId} mapRun={mapRun} run={page.run} actions={page.actions} />
      <p>
        <button
          type="button"
          className={styles.linkButton}
          aria-expanded={open}
          aria-controls={detailsId}
          data-testid="map-run-open"
          onClick={() => page.select({ mapRun: open ? null : mapRunToken(all, mapRun.mapRunArn) })}
        >
          {open ? "Hide counts and child executions" : "Show counts and child executions"}
        </button>
      </p>
      <div id={detailsId} hidden={!open}>
        {open ? (
          <>
            <table className={`data ${styles.table}`}>
              <thead>
                <tr>
                  <th scope="col">Count</th>
                  <th scope="col">Items</th>
                  <th scope="col">Child executions</th>
                </tr>
              </thead>
              <tbody>
                {COUNT_ROWS.map(([key, label]) => (
                  <tr key={key} data-testid={`map-run-count-${key}`}>
                    <th scope="row">{label}</th>
                    <td>{items[key].toLocaleString("en")}</td>
                    <td>{children[key].toLocaleString("en")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <dl className={styles.facts}>
              <dt>Tolerated failure</dt>
              <dd data-testid="map-run-tolerated">{tolerated}</dd>
              <dt>Max concurrency</dt>
              <dd>{mapRun.maxConcurrency === 0 ? "no limit" : mapRun.maxConcurrency}</dd>
              <dt>Duration</dt>
              <dd>{formatDuration(durationMs(mapRun.startedAt, mapRun.stoppedAt, now))}</dd>
              <dt>Redrives</dt>
              <dd data-testid="map-run-redrive-count">{mapRun.redriveCount.toLocaleString("en")}</dd>
            </dl>
            <ChildExecutions publicId={publicId} mapRunArn={mapRun.mapRunArn} now={now} />
          </>
        ) : null}
      </div>
    </section>
  );
}

/** Why the failed items cannot be redriven now, or null when they can. */
function redriveUnavailable(mapRun: MapRunSummary, run: Run | null, actions: RunActionFns | null): string | null {
  if (!run || !actions) return "Only members of the pipeline's owning team (or admins) can redrive its runs.";
  const reason = runActionUnavailable("redrive", { status: run.status, stoppedAt: run.stoppedAt });
  if (reason) return `${reason} A Map Run is redriven with its execution.`;
  if (run.redriveStatus === "NOT_REDRIVABLE") return "Step Functions reports this execution as not redrivable.";
  if (mapRun.redriveCount >= MAP_RUN_REDRIVE_LIMIT) {
    return `This Map Run was redriven ${MAP_RUN_REDRIVE_LIMIT.toLocaleString("en")} times, the AWS limit.`;
  }
  return null;
}

function MapRunRedrive({
  publicId,
  mapRun,
  run,
  actions,
}: {
  publicId: string;
  mapRun: MapRunSummary;
  run: Run | null;
  actions: RunActionFns | null;
}) {
  const [asking, setAsking] = useState(false);
  const { pending, error, confirm } = useRunAction(publicId);
  const [message, setMessage] = useState<string | null>(null);
  const c = mapRun.itemCounts;
  const unsuccessful = c.failed + c.timedOut + c.aborted;
  const settled = mapRun.status !== "RUNNING" && mapRun.status !== "SUCCEEDED";
  if ((!settled || unsuccessful === 0) && !message) return null;
  const reason = redriveUnavailable(mapRun, run, actions);
  const redrive = async () => {
    if (!actions) return;
    const done = await confirm(actions.redrive);
    if (done) {
      setMessage(done.message);
      setAsking(false);
    }
  };
  return (
    <div className={depth.redrive} data-testid="map-run-redrive">
      {message ? (
        <p role="status">
          <span aria-hidden="true">✓ </span>
          {message}
        </p>
      ) : reason ? (
        <p data-testid="map-run-redrive-unavailable">
          {plural(unsuccessful, "item")} did not succeed. Redrive is not possible: {reason}
        </p>
      ) : asking ? (
        <>
          <p id="map-run-redrive-body">
            Step Functions redrives the whole execution: the Map Run&apos;s {plural(unsuccessful, "unsuccessful item")}{" "}
            run again in their child executions (the succeeded ones are kept), and so does any other failed state of the
            run.
          </p>
          <div className={depth.redriveButtons}>
            <button
              type="button"
              className={ui.tool}
              onClick={() => void redrive()}
              disabled={pending}
              aria-describedby="map-run-redrive-body"
            >
              {pending ? "Redriving…" : "Redrive now"}
            </button>
            <button type="button" className={ui.tool} onClick={() => setAsking(false)} disabled={pending}>
              Cancel
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            {plural(unsuccessful, "item")} did not succeed
            {c.failuresNotRedrivable > 0
              ? ` (${c.failuresNotRedrivable.toLocaleString("en")} can no longer be redriven)`
              : ""}
            .
          </p>
          <div className={depth.redriveButtons}>
            <button type="button" className={ui.tool} onClick={() => setAsking(true)}>
              Redrive failed items
            </button>
          </div>
        </>
      )}
      {error ? (
        <p className={depth.redriveError} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function ChildExecutions({ publicId, mapRunArn, now }: { publicId: string; mapRunArn: string; now: number }) {
  const [status, setStatus] = useState<string | null>(null);
  // Tokens of the pages before the current one, so "Previous" goes back without AWS paging backwards.
  const [tokens, setTokens] = useState<(string | null)[]>([null]);
  const nextToken = tokens.at(-1) ?? null;
  const page = useMapRunExecutions(publicId, { mapRun: mapRunArn, status, nextToken });
  const executions = page.data?.executions ?? [];
  return (
    <section aria-labelledby="map-run-children-title">
      <div className={styles.childBar}>
        <h4 id="map-run-children-title" className={styles.minor}>
          Child executions
        </h4>
        <label className={ui.toolSelect}>
          Status
          <select
            value={status ?? ""}
            onChange={(e) => {
              setStatus(e.target.value || null);
              setTokens([null]);
            }}
            data-testid="map-run-status-filter"
          >
            <option value="">All</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {runLook(s).word}
              </option>
            ))}
          </select>
        </label>
      </div>
      {page.isError ? (
        <p className={styles.loadError}>Could not list the child executions: {page.error.message}</p>
      ) : page.isPending ? (
        <p className="muted">Loading…</p>
      ) : executions.length === 0 ? (
        <p className="muted">{status ? `No ${runLook(status).word.toLowerCase()} child executions.` : "None yet."}</p>
      ) : (
        <table className={`data ${styles.table}`} data-testid="map-run-children">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {executions.map((x) => (
              <tr key={x.executionArn} data-testid="map-run-child" data-status={x.status}>
                <td className={styles.wrap}>
                  <a href={x.consoleUrl} target="_blank" rel="noreferrer" title="Open in the AWS console">
                    {x.name}
                  </a>
                </td>
                <td>
                  <StatusBadge kind="run" status={x.status} size="sm" />
                </td>
                <td>
                  <LocalTime iso={x.startedAt} />
                </td>
                <td>{formatDuration(durationMs(x.startedAt, x.stoppedAt, now))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className={styles.pager}>
        <button
          type="button"
          className={ui.tool}
          disabled={tokens.length <= 1}
          onClick={() => setTokens((t) => t.slice(0, -1))}
        >
          Previous
        </button>
        <span className="muted">Page {tokens.length}</span>
        <button
          type="button"
          className={ui.tool}
          disabled={!page.data?.nextToken || page.isPlaceholderData}
          onClick={() => {
            const token = page.data?.nextToken;
            if (token) setTokens((t) => [...t, token]);
          }}
        >
          Next
        </button>
      </div>
    </section>
  );
}
