"use client";
/**
 * The runs table of the pipeline page: server-side filters, sorting and keyset pages in the URL;
 * live while mounted (topic "pipeline:<id>" refetches the page, running rows tick their duration);
 * checkboxes pick runs for comparison.
 */
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import type { FormEvent } from "react";
import { useLiveTopic } from "@/components/live/live-provider";
import { FilterForm, RUN_STATUS_OPTIONS, SelectField, TextField } from "@/components/ui/filter-form";
import { Pager } from "@/components/ui/pager";
import { RefreshError } from "@/components/ui/refresh-error";
import { StatusBadge } from "@/components/ui/status-badge";
import { Breakable, TableScroll } from "@/components/ui/table-scroll";
import { useNow } from "@/components/ui/use-now";
import { formatDuration, formatUtc, formatValue } from "@/lib/format";
import { metricLabel } from "@/lib/metrics/direction";
import { RUN_SORTS } from "@/lib/pipelines/constants";
import type { RunPage } from "@/lib/pipelines/schema";
import { type Params, useRuns } from "./hooks";
import styles from "./pipeline.module.css";
import { useSelection } from "./selection";

const RUN_KEYS = ["status", "q", "from", "to", "sort", "cursor"] as const;
const SORT_LABELS = { newest: "Newest first", oldest: "Oldest first", longest: "Longest first" } as const;
const SORT_OPTIONS = RUN_SORTS.map((s) => [s, SORT_LABELS[s]] as const);

export function RunsTable({
  pipelineId,
  params,
  invalidSearch = null,
  initial,
  liveEventId = null,
  serverNow,
}: {
  pipelineId: number;
  params: Params;
  /** A search that did not parse: shown in the box with why, and left out of the query. */
  invalidSearch?: { q: string; message: string } | null;
  initial: RunPage;
  /** The live_event id the page's data is as of: the stream starts there instead of refetching. */
  liveEventId?: string | null;
  serverNow: number;
}) {
  useLiveTopic(`pipeline:${pipelineId}`, undefined, liveEventId);
  const { data, isFetching, error } = useRuns(pipelineId, params, initial);
  const page = data ?? initial;
  const hasRunning = page.runs.some((r) => r.status === "RUNNING");
  const now = useNow(serverNow, hasRunning ? 1000 : 30_000);
  const router = useRouter();
  const search = useSearchParams();
  const { selected, toggle } = useSelection();

  const href = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(search.toString());
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || value === "") next.delete(key);
      else next.set(key, value);
    }
    return `/pipelines/${pipelineId}?${next.toString()}#runs`;
  };
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const patch: Record<string, string | null> = { cursor: null };
    for (const key of RUN_KEYS) if (key !== "cursor") patch[key] = String(form.get(key) ?? "");
    router.push(href(patch), { scroll: false });
  };
  const filtered = Boolean(params.status || params.q || params.from || params.to || invalidSearch);
  const searchHelpId = `runs-search-help-${pipelineId}`;
  const countText = `${page.count.value.toLocaleString("en-US")}${page.count.bounded ? "+" : ""}`;

  return (
    <>
      <FilterForm
        key={new URLSearchParams(params).toString()}
        label="Filter runs"
        onSubmit={onSubmit}
        clearHref={filtered ? href({ status: null, q: null, from: null, to: null, cursor: null }) : null}
      >
        <SelectField label="Status" name="status" value={params.status ?? ""} options={RUN_STATUS_OPTIONS}>
          <option value="FAILED,TIMED_OUT,ABORTED">Any failure</option>
        </SelectField>
        <TextField
          label="Search runs"
          type="search"
          name="q"
          value={params.q ?? invalidSearch?.q ?? ""}
          placeholder="name, hp.learning_rate >= 0.01, input.dataset.train ~ 2026-11"
          describedBy={searchHelpId}
          invalid={invalidSearch !== null}
          wide
        />
        <TextField label="Started from" type="date" name="from" value={params.from?.slice(0, 10) ?? ""} />
        <TextField label="Started before" type="date" name="to" value={params.to?.slice(0, 10) ?? ""} />
        <SelectField label="Sort" name="sort" value={params.sort ?? "newest"} options={SORT_OPTIONS} />
      </FilterForm>
      <p id={searchHelpId} className={`muted ${styles.searchHelp}`}>
        Search by a run's name or id, or by what it was given: <code>input.&lt;path&gt;</code> or{" "}
        <code>hp.&lt;name&gt;</code> with <code>=</code> <code>!=</code> <code>~</code> (contains) <code>&lt;</code>{" "}
        <code>&lt;=</code> <code>&gt;</code> <code>&gt;=</code> <code>exists</code> <code>!exists</code>, combined with{" "}
        <code>AND</code>, <code>OR</code> and parentheses.
      </p>
      {invalidSearch ? (
        <p role="alert" className={styles.searchError} data-testid="search-error">
          <span aria-hidden="true">⚠ </span>Search not understood: {invalidSearch.message}. The other filters apply.
        </p>
      ) : null}
      <RefreshError error={error} />
      {page.runs.length === 0 ? (
        <div className="empty-state">
          <p>{filtered ? "No run matches these filters." : "This pipeline has not run yet."}</p>
        </div>
      ) : (
        <TableScroll label={`Runs, ${countText} matching`} sticky={2}>
          <table className="data" aria-busy={isFetching} data-testid="runs-table">
            <caption className="visually-hidden">Runs of this pipeline, {countText} matching</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Select for comparison</span>
                </th>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col" className={styles.num}>
                  Duration
                </th>
                <th scope="col">Trigger</th>
                {page.metricColumns.map((m) => (
                  <th scope="col" key={m} className={`${styles.num} ${styles.wrapHead}`}>
                    <Breakable text={metricLabel(m)} />
                  </th>
                ))}
                <th scope="col">Model version</th>
              </tr>
            </thead>
            <tbody>
              {page.runs.map((run) => {
                const isSelected = selected.includes(run.publicId);
                return (
                  <tr key={run.id} data-run={run.publicId} className={isSelected ? styles.rowSelected : undefined}>
                    <td>
                      <input
                        type="checkbox"
                        checked={isSelected}
                        onChange={() => toggle(run.publicId)}
                        aria-label={`Compare ${run.name}`}
                      />
                    </td>
                    <td className={styles.nameCell}>
                      <Link href={`/runs/${run.publicId}`}>{run.name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={run.status} />
                    </td>
                    <td>{formatUtc(run.startedAt)}</td>
                    <td className={styles.num}>
                      {run.durationMs !== null
                        ? formatDuration(run.durationMs)
                        : run.status === "RUNNING"
                          ? formatDuration(now - Date.parse(run.startedAt))
                          : "—"}
                    </td>
                    <td>{run.trigger ?? <span className="muted">—</span>}</td>
                    {page.metricColumns.map((m) => (
                      <td key={m} className={styles.num} data-metric={m}>
                        {formatValue(run.metrics[m])}
                      </td>
                    ))}
                    <td>
                      {run.modelVersion ? (
                        <Link href={`/models/${run.modelVersion.modelId}`}>
                          {run.modelVersion.modelName} v{run.modelVersion.version}
                          <span className={styles.sub}>
                            {run.modelVersion.approval.toLowerCase().replace(/_/g, " ")}
                          </span>
                        </Link>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager
        label="Pages of runs"
        first={params.cursor ? href({ cursor: null }) : null}
        prev={page.prevCursor ? href({ cursor: page.prevCursor }) : null}
        next={page.nextCursor ? href({ cursor: page.nextCursor }) : null}
        scroll={false}
      >
        <span data-testid="runs-count">
          {countText} run{page.count.value === 1 ? "" : "s"}
          {filtered ? " match" : ""}
        </span>
      </Pager>
    </>
  );
}
