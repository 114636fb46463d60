"use client";
/**
 * The pipelines index table. Filters and pages live in the URL (a GET form and cursor links, so the
 * server renders every state and a link shares it); this island keeps the current page live: the
 * "pipelines" topic invalidates the query and it refetches through /api/v1/pipelines.
 */
import Link from "next/link";
import { useLiveTopic } from "@/components/live/live-provider";
import { FilterForm, RUN_STATUS_OPTIONS, SelectField, TextField } from "@/components/ui/filter-form";
import { Pager } from "@/components/ui/pager";
import { RefreshError } from "@/components/ui/refresh-error";
import { StatusBadge } from "@/components/ui/status-badge";
import { TableScroll } from "@/components/ui/table-scroll";
import { useNow } from "@/components/ui/use-now";
import { formatAgo, formatDuration, formatPercent, formatUtc } from "@/lib/format";
import { metricLabel } from "@/lib/metrics/direction";
import { PIPELINE_SORTS } from "@/lib/pipelines/constants";
import type { PipelinePage } from "@/lib/pipelines/schema";
import { type Params, usePipelines } from "./hooks";
import styles from "./pipeline.module.css";
import { Sparkline } from "./sparkline";

type Team = { slug: string; name: string };

const SORT_LABELS: Record<(typeof PIPELINE_SORTS)[number], string> = { recent: "Latest run", name: "Name" };
const SORT_OPTIONS = PIPELINE_SORTS.map((s) => [s, SORT_LABELS[s]] as const);

export function PipelinesIndex({
  params,
  initial,
  teams,
  serverNow,
}: {
  params: Params;
  initial: PipelinePage;
  teams: Team[];
  serverNow: number;
}) {
  useLiveTopic("pipelines");
  const { data, isFetching, error } = usePipelines(params, initial);
  const now = useNow(serverNow, 30_000);
  const page = data ?? initial;
  const link = (cursor: string) => {
    const search = new URLSearchParams({ ...params, cursor });
    return `/pipelines?${search.toString()}`;
  };
  const filtered = Boolean(params.q || params.team || params.status || params.tag);

  return (
    <>
      <FilterForm
        // Remount on navigation: uncontrolled fields must show the new URL's filters (e.g. after Clear).
        key={new URLSearchParams(params).toString()}
        label="Filter pipelines"
        action="/pipelines"
        clearHref={filtered ? "/pipelines" : null}
      >
        <TextField label="Search" type="search" name="q" value={params.q ?? ""} placeholder="Name or description" />
        <SelectField
          label="Team"
          name="team"
          value={params.team ?? ""}
          options={[["", "All teams"], ...teams.map((t) => [t.slug, t.name] as const)]}
        />
        <SelectField label="Latest run" name="status" value={params.status ?? ""} options={RUN_STATUS_OPTIONS}>
          <option value="NEVER">Never ran</option>
        </SelectField>
        <TextField label="Tag" name="tag" value={params.tag ?? ""} placeholder="key or key=value" />
        <SelectField label="Sort by" name="sort" value={params.sort ?? "recent"} options={SORT_OPTIONS} />
      </FilterForm>

      <RefreshError error={error} />

      {page.pipelines.length === 0 ? (
        <div className="empty-state">
          {filtered ? (
            <p>No pipeline matches these filters.</p>
          ) : (
            <>
              <p>No pipelines have been synced yet.</p>
              <p>Stepwise lists every Step Functions state machine of the configured AWS sources here.</p>
            </>
          )}
        </div>
      ) : (
        <TableScroll label="Pipelines">
          <table className="data" aria-busy={isFetching} data-testid="pipelines-table">
            <caption className="visually-hidden">
              Pipelines, {page.total} in all; success rate and median duration over the last finished runs
            </caption>
            <thead>
              <tr>
                <th scope="col">Pipeline</th>
                <th scope="col">Team</th>
                <th scope="col">Latest run</th>
                <th scope="col" className={styles.num}>
                  Success (last {page.pipelines[0]?.recent.window ?? 20})
                </th>
                <th scope="col" className={styles.num}>
                  Median duration
                </th>
                <th scope="col">Headline metric</th>
              </tr>
            </thead>
            <tbody>
              {page.pipelines.map((p) => (
                <PipelineRow key={p.id} p={p} now={now} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager
        label="Pages of pipelines"
        prev={page.prevCursor ? link(page.prevCursor) : null}
        next={page.nextCursor ? link(page.nextCursor) : null}
      >
        <span>
          {page.total} pipeline{page.total === 1 ? "" : "s"}
        </span>
      </Pager>
    </>
  );
}

/** One pipeline of the index: name, team, latest run, recent success, median duration, headline sparkline. */
function PipelineRow({ p, now }: { p: PipelinePage["pipelines"][number]; now: number }) {
  return (
    <tr data-pipeline={p.name}>
      <td className={styles.nameCell}>
        <Link href={`/pipelines/${p.id}`}>{p.name}</Link>
        {p.description ? <span className={`${styles.sub} ${styles.wrap}`}>{p.description}</span> : null}
      </td>
      <td>{p.team?.name ?? <span className="muted">—</span>}</td>
      <td>
        {p.lastRun ? (
          <>
            <StatusBadge status={p.lastRun.status} />{" "}
            <Link href={`/runs/${p.lastRun.publicId}`} title={formatUtc(p.lastRun.startedAt)}>
              {formatAgo(p.lastRun.startedAt, now)}
            </Link>
          </>
        ) : (
          <span className="muted">Never ran</span>
        )}
      </td>
      <td className={styles.num}>
        <span>{formatPercent(p.recent.successRate)}</span>
        {p.recent.finished > 0 ? (
          <span className={styles.sub}>
            {p.recent.succeeded} of {p.recent.finished}
          </span>
        ) : null}
      </td>
      <td className={styles.num}>{formatDuration(p.recent.medianDurationMs)}</td>
      <td>
        {p.headlineMetric ? (
          <>
            <Sparkline values={p.sparkline} label={metricLabel(p.headlineMetric)} />
            <span className={styles.sub}>{metricLabel(p.headlineMetric)}</span>
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
