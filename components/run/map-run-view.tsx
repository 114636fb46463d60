"use client";
/**
 * A distributed Map's Map Run in the step panel: how its items went (total, succeeded, failed, pending,
 * aborted …, from DescribeMapRun as the sync stored it), the tolerated failure, and its child executions —
 * read from Step Functions a page at a time, filterable by status, each linking to the AWS console. The
 * selected status filter and page live in component state: a Map Run can have thousands of children.
 */
import { useState } from "react";
import { StatusBadge } from "@/components/ui/status-badge";
import ui from "@/components/ui/ui.module.css";
import { durationMs, formatDuration } from "@/lib/format";
import { mapRunText } from "@/lib/runs/graph";
import { MAP_RUN_EXECUTION_STATUSES, type MapRunSummary } from "@/lib/runs/schema";
import { runLook } from "@/lib/status";
import styles from "./details.module.css";
import { LocalTime } from "./local-time";
import { useMapRunExecutions } from "./queries";

const COUNT_ROWS: [keyof MapRunSummary["itemCounts"], string][] = [
  ["total", "Total"],
  ["succeeded", "Succeeded"],
  ["failed", "Failed"],
  ["timedOut", "Timed out"],
  ["aborted", "Aborted"],
  ["running", "Running"],
  ["pending", "Pending"],
];

export function MapRunView({ publicId, mapRun, now }: { publicId: string; mapRun: MapRunSummary; now: number }) {
  const items = mapRun.itemCounts;
  const children = mapRun.executionCounts;
  const tolerated =
    mapRun.toleratedFailureCount > 0
      ? `${mapRun.toleratedFailureCount} item${mapRun.toleratedFailureCount === 1 ? "" : "s"}`
      : `${mapRun.toleratedFailurePercentage} %`;
  return (
    <section className={styles.mapRun} aria-labelledby="map-run-title" data-testid="map-run">
      <h3 id="map-run-title" className={styles.subtitle}>
        Map Run <StatusBadge kind="run" status={mapRun.status} size="sm" />
      </h3>
      <p data-testid="map-run-summary">{mapRunText(mapRun)}.</p>
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
        {mapRun.redriveCount > 0 ? (
          <>
            <dt>Redriven</dt>
            <dd>
              {mapRun.redriveCount} time{mapRun.redriveCount === 1 ? "" : "s"}
            </dd>
          </>
        ) : null}
      </dl>
      <ChildExecutions publicId={publicId} mapRunArn={mapRun.mapRunArn} now={now} />
    </section>
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
            {MAP_RUN_EXECUTION_STATUSES.map((s) => (
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
