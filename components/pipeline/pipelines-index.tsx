"use client";
/**
 * The pipelines index table. Filters and pages live in the URL (a GET form and cursor links, so the
 * server renders every state and a link shares it); this island keeps the current page live: the
 * "pipelines" topic invalidates the query and it refetches through /api/v1/pipelines.
 */
import Form from "next/form";
import Link from "next/link";
import { useLiveTopic } from "@/components/live/live-provider";
import { StatusBadge } from "@/components/ui/status-badge";
import { TableScroll } from "@/components/ui/table-scroll";
import { useNow } from "@/components/ui/use-now";
import { formatAgo, formatDuration, formatPercent, formatUtc } from "@/lib/format";
import { PIPELINE_SORTS, type PipelinePage } from "@/lib/pipelines/schema";
import { RUN_STATUS, RUN_STATUSES } from "@/lib/status";
import { Field } from "./field";
import { type Params, usePipelines } from "./hooks";
import styles from "./pipeline.module.css";
import { Sparkline } from "./sparkline";

type Team = { slug: string; name: string };

const SORT_LABELS: Record<(typeof PIPELINE_SORTS)[number], string> = { recent: "Latest run", name: "Name" };

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
      <Form
        // Remount on navigation: uncontrolled fields must show the new URL's filters (e.g. after Clear).
        key={new URLSearchParams(params).toString()}
        action="/pipelines"
        className={styles.toolbar}
        aria-label="Filter pipelines"
      >
        <Field label="Search">
          {(id) => (
            <input id={id} type="search" name="q" defaultValue={params.q ?? ""} placeholder="Name or description" />
          )}
        </Field>
        <Field label="Team">
          {(id) => (
            <select id={id} name="team" defaultValue={params.team ?? ""}>
              <option value="">All teams</option>
              {teams.map((t) => (
                <option key={t.slug} value={t.slug}>
                  {t.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Latest run">
          {(id) => (
            <select id={id} name="status" defaultValue={params.status ?? ""}>
              <option value="">Any status</option>
              {RUN_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {RUN_STATUS[s].word}
                </option>
              ))}
              <option value="NEVER">Never ran</option>
            </select>
          )}
        </Field>
        <Field label="Tag">
          {(id) => <input id={id} name="tag" defaultValue={params.tag ?? ""} placeholder="key or key=value" />}
        </Field>
        <Field label="Sort by">
          {(id) => (
            <select id={id} name="sort" defaultValue={params.sort ?? "recent"}>
              {PIPELINE_SORTS.map((s) => (
                <option key={s} value={s}>
                  {SORT_LABELS[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className={`${styles.button} ${styles.primary}`}>
          Apply
        </button>
        {filtered ? (
          <Link href="/pipelines" className={styles.button}>
            Clear
          </Link>
        ) : null}
      </Form>

      {error ? (
        <p role="alert" className="muted">
          Could not refresh: {error.message}
        </p>
      ) : null}

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
                <tr key={p.id} data-pipeline={p.name}>
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
                        <Sparkline values={p.sparkline} label={p.headlineMetric} />
                        <span className={styles.sub}>{p.headlineMetric}</span>
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <nav className={styles.pager} aria-label="Pages of pipelines">
        <span>
          {page.total} pipeline{page.total === 1 ? "" : "s"}
        </span>
        <span className={styles.spacer} />
        {page.prevCursor ? (
          <Link className={styles.button} href={link(page.prevCursor)} rel="prev">
            ← Previous
          </Link>
        ) : null}
        {page.nextCursor ? (
          <Link className={styles.button} href={link(page.nextCursor)} rel="next">
            Next →
          </Link>
        ) : null}
      </nav>
    </>
  );
}
