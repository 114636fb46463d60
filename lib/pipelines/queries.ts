/**
 * Reads of the pipelines domain. Each function is one SQL statement from ./sql (the pipeline page is
 * two: its header and its runs page), so the cost of a page does not grow with the number of runs.
 */
import "server-only";
import { pool } from "@/lib/db";
import { badRequest, notFound } from "@/lib/errors";
import { type Direction, metricDirection, RUN_COST_METRIC } from "@/lib/metrics/direction";
import { roundSignificant as round, roundNullable } from "@/lib/metrics/precision";
import { compileSearch, parseSearch, SearchSyntaxError } from "@/lib/runs/search";
import { chooseMetricColumns } from "./columns";
import { decodeCursor, encodeCursor } from "./cursor";
import { type DefinitionSummary, summariseDefinition } from "./definition";
import { type RunLabel, runLabels } from "./run-labels";
import type {
  MetricSeries,
  MetricSeriesQuery,
  PipelineListQuery,
  PipelinePage,
  PipelineSummary,
  RunListQuery,
  RunPage,
  RunRow,
  RunStatus,
  TrainingCurves,
} from "./schema";
import type { SeriesRegression } from "./series-runs";
import { COMPARE_RUNS_SQL, type CompareRunRow } from "./sql/compare-runs";
import { type MetricSeriesTuple, metricSeriesParams, metricSeriesSql, seriesRunRefs } from "./sql/metric-series";
import { metricSeriesRollupParams, metricSeriesRollupSql, ROLLUP_WINDOW } from "./sql/metric-series-rollup";
import { PIPELINE_DETAIL_SQL, type PipelineDetailRow, RUN_COUNT_BOUND } from "./sql/pipeline-detail";
import { type PipelineIndexRow, pipelineIndexSql, RECENT_WINDOW } from "./sql/pipeline-index.sql";
import { COUNT_BOUND, type RunsPageRow, runsPageSql, SEARCH_FIRST_PARAM } from "./sql/runs-page";
import { TRAINING_CURVES_SQL, type TrainingCurvesRow } from "./sql/training-curves";

const likePattern = (text: string | undefined) => (text ? `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null);

const stringTags = (tags: unknown): Record<string, string> => {
  if (!tags || typeof tags !== "object" || Array.isArray(tags)) return {};
  return Object.fromEntries(
    Object.entries(tags as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
};

// ───────────────────────────── index ─────────────────────────────

export async function listPipelines(query: PipelineListQuery): Promise<PipelinePage> {
  const cursor = decodeCursor(query.cursor, `p:${query.sort}`);
  const reverse = cursor?.direction === "prev";
  const [tagKey, ...tagRest] = query.tag ? query.tag.split("=") : [];
  const { rows } = await pool.query<PipelineIndexRow>(pipelineIndexSql(query.sort, reverse), [
    likePattern(query.q),
    query.team ?? null,
    tagKey?.trim() || null,
    tagRest.length ? tagRest.join("=").trim() : null,
    query.status ?? null,
    query.limit + 1,
    cursor ? String(cursor.key) : null,
    cursor?.id ?? null,
  ]);
  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  if (reverse) page.reverse();
  const first = page[0];
  const last = page.at(-1);
  const sort = `p:${query.sort}`;
  const moreBefore = reverse ? hasMore : cursor !== null;
  const moreAfter = reverse ? true : hasMore;
  return {
    pipelines: page.map(toPipelineSummary),
    total: rows[0]?.total ?? 0,
    nextCursor: moreAfter && last ? encodeCursor({ sort, direction: "next", key: last.cursor_key, id: last.id }) : null,
    prevCursor:
      moreBefore && first ? encodeCursor({ sort, direction: "prev", key: first.cursor_key, id: first.id }) : null,
  };
}

function toPipelineSummary(row: PipelineIndexRow): PipelineSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    team: row.team_slug ? { slug: row.team_slug, name: row.team_name ?? row.team_slug } : null,
    tags: stringTags(row.tags),
    headlineMetric: row.headline,
    lastRun:
      row.last_public_id && row.last_started_at
        ? {
            publicId: row.last_public_id,
            name: row.last_name ?? row.last_public_id,
            status: row.last_status as RunStatus,
            startedAt: row.last_started_at,
            stoppedAt: row.last_stopped_at,
          }
        : null,
    recent: {
      window: RECENT_WINDOW,
      finished: row.finished,
      succeeded: row.succeeded,
      successRate: row.finished > 0 ? row.succeeded / row.finished : null,
      medianDurationMs: row.median_ms,
    },
    sparkline: row.sparkline ?? [],
  };
}

// ───────────────────────────── pipeline ─────────────────────────────

export type PipelineDetail = {
  id: number;
  name: string;
  description: string | null;
  stateMachineArn: string;
  type: string;
  status: string;
  region: string;
  accountId: string;
  team: { slug: string; name: string } | null;
  tags: Record<string, string>;
  headlineMetric: string | null;
  revisions: number;
  runCount: { value: number; bounded: boolean };
  latestRun: PipelineSummary["lastRun"];
  metricNames: string[];
  metricColumns: string[];
  definition: DefinitionSummary;
};

export async function getPipeline({ pipelineId }: { pipelineId: number }): Promise<PipelineDetail> {
  return (await readPipeline(pipelineId)).pipeline;
}

/** The pipeline, and the live_event id it is as of (null when the feed is empty). */
async function readPipeline(pipelineId: number): Promise<{ pipeline: PipelineDetail; liveEventId: string | null }> {
  const { rows } = await pool.query<PipelineDetailRow>(PIPELINE_DETAIL_SQL, [pipelineId]);
  const row = rows[0];
  if (!row) throw notFound(`No pipeline ${pipelineId}.`);
  return { pipeline: pipelineDetail(row), liveEventId: row.live_event_id };
}

function pipelineDetail(row: PipelineDetailRow): PipelineDetail {
  const headline = row.headline && row.metric_names.includes(row.headline) ? row.headline : (row.headline ?? null);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    stateMachineArn: row.state_machine_arn,
    type: row.type,
    status: row.status,
    region: row.region,
    accountId: row.account_id,
    team: row.team_slug ? { slug: row.team_slug, name: row.team_name ?? row.team_slug } : null,
    tags: stringTags(row.tags),
    headlineMetric: headline,
    revisions: row.revisions,
    runCount: { value: Math.min(row.run_count, RUN_COUNT_BOUND), bounded: row.run_count > RUN_COUNT_BOUND },
    latestRun: row.latest_run ? { ...row.latest_run, status: row.latest_run.status as RunStatus } : null,
    // The run's cost (a reserved metric the sync writes) comes last: never the default metric of the graph.
    metricNames: [
      ...row.metric_names.filter((n) => n !== RUN_COST_METRIC),
      ...row.metric_names.filter((n) => n === RUN_COST_METRIC),
    ],
    metricColumns: chooseMetricColumns(row.metric_names, headline),
    definition: summariseDefinition(row.definition),
  };
}

// ───────────────────────────── runs ─────────────────────────────

export async function listRuns({
  pipelineId,
  query,
  metricColumns,
}: {
  pipelineId: number;
  query: RunListQuery;
  metricColumns: string[];
}): Promise<RunPage> {
  const sort = `r:${query.sort}`;
  const cursor = decodeCursor(query.cursor, sort);
  const reverse = cursor?.direction === "prev";
  const search = compileRunSearch(query.q);
  const { rows } = await pool.query<RunsPageRow>(
    runsPageSql(query.sort, reverse, search?.sql ?? null, search?.pipelineKeyed),
    [
      pipelineId,
      query.status?.length ? query.status : null,
      query.from?.toISOString() ?? null,
      query.to?.toISOString() ?? null,
      metricColumns,
      query.limit + 1,
      cursor ? String(cursor.key) : null,
      cursor?.id ?? null,
      ...(search?.params ?? []),
    ],
  );
  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  if (reverse) page.reverse();
  const first = page[0];
  const last = page.at(-1);
  const moreBefore = reverse ? hasMore : cursor !== null;
  const moreAfter = reverse ? true : hasMore;
  const counted = rows[0]?.bounded_count ?? 0;
  const runs = page.map(toRunRow);
  if (query.include === "hyperparameters") {
    const byRun = await hyperparametersOf(page.map((r) => r.id));
    for (const [i, run] of runs.entries()) run.hyperparameters = byRun.get(page[i]?.id ?? -1) ?? {};
  }
  return {
    runs,
    metricColumns,
    count: { value: Math.min(counted, COUNT_BOUND), bounded: counted > COUNT_BOUND },
    nextCursor: moreAfter && last ? encodeCursor({ sort, direction: "next", key: last.cursor_key, id: last.id }) : null,
    prevCursor:
      moreBefore && first ? encodeCursor({ sort, direction: "prev", key: first.cursor_key, id: first.id }) : null,
  };
}

/** The runs table's `q` (lib/runs/search) as a SQL condition; a query that does not parse is a 400 that points at it. */
function compileRunSearch(q: string | undefined) {
  try {
    return compileSearch(parseSearch(q ?? ""), SEARCH_FIRST_PARAM, { pipelineParam: 1 });
  } catch (error) {
    if (error instanceof SearchSyntaxError)
      throw badRequest(`q: ${error.message}`, { parameter: "q", position: error.position });
    throw error;
  }
}

/** Hyperparameters of the runs' training jobs, one statement for the page (a later job's value wins). */
async function hyperparametersOf(runIds: number[]): Promise<Map<number, Record<string, string>>> {
  if (runIds.length === 0) return new Map();
  const { rows } = await pool.query<{ run_id: number; hp: Record<string, unknown> }>(
    `SELECT j.run_id, jsonb_object_agg(kv.key, kv.value ORDER BY j.job_created_at NULLS FIRST, j.id) AS hp
       FROM sagemaker_job j CROSS JOIN LATERAL jsonb_each_text(j.hyper_parameters) kv
      WHERE j.run_id = ANY($1::int[]) AND j.kind = 'TRAINING'
      GROUP BY j.run_id`,
    [runIds],
  );
  return new Map(rows.map((r) => [r.run_id, Object.fromEntries(Object.entries(r.hp).map(([k, v]) => [k, String(v)]))]));
}

function toRunRow(row: RunsPageRow): RunRow {
  return {
    id: row.public_id,
    publicId: row.public_id,
    name: row.name,
    status: row.status as RunStatus,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
    durationMs: row.duration_ms,
    trigger: row.trigger,
    redriveCount: row.redrive_count,
    revisionId: row.revision_id,
    metrics: row.metrics ?? {},
    modelVersion:
      row.model_id !== null && row.version !== null
        ? { modelId: row.model_id, modelName: row.model_name ?? "", version: row.version, approval: row.approval ?? "" }
        : null,
  };
}

/** The pipeline page's data: two statements whatever the number of runs. */
/**
 * The pipeline page's data in two statements. `liveEventId` is read by the first; the runs are read after it
 * (a later snapshot), so everything the page shows is as of at least that id and the page's live stream starts
 * there instead of refetching (components/live/stream-plan.ts).
 */
export async function getPipelinePage({ pipelineId, runs }: { pipelineId: number; runs: RunListQuery }) {
  const { pipeline, liveEventId } = await readPipeline(pipelineId);
  const page = await listRuns({ pipelineId, query: runs, metricColumns: pipeline.metricColumns });
  return { pipeline, runs: page, liveEventId };
}

// ───────────────────────────── metric series ─────────────────────────────

export async function getMetricSeries({
  pipelineId,
  query: asked,
}: {
  pipelineId: number;
  query: MetricSeriesQuery;
}): Promise<MetricSeries> {
  // No names asked for: the pipeline's headline metric (or its first recorded one), as the page shows.
  let query = asked;
  if (query.names.length === 0) {
    const pipeline = await getPipeline({ pipelineId });
    const headline = pipeline.headlineMetric ?? pipeline.metricNames[0];
    query = { ...query, names: headline ? [headline] : [] };
  }
  const directions = query.names.map(metricDirection);
  const signs = directions.map((d) => (d === "higher" ? 1 : -1));
  const buckets = Math.max(1, Math.floor(query.width / 2));
  // The default window is pre-aggregated (cost per pixel); another window reads every row of the range.
  // Rows as arrays (rowMode "array"): thousands of rows, and no object is built per row only to be read once.
  const { rows } =
    query.window === ROLLUP_WINDOW
      ? await pool.query<MetricSeriesTuple>({
          text: metricSeriesRollupSql(query.x),
          values: metricSeriesRollupParams({
            pipelineId,
            names: query.names,
            directions: signs,
            buckets,
            from: query.from,
            to: query.to,
            threshold: query.threshold / 100,
          }),
          rowMode: "array",
        })
      : await pool.query<MetricSeriesTuple>({
          text: metricSeriesSql(query.x),
          values: metricSeriesParams({
            pipelineId,
            names: query.names,
            directions: signs,
            buckets,
            x: query.x,
            from: query.from,
            to: query.to,
            window: query.window,
            threshold: query.threshold / 100,
          }),
          rowMode: "array",
        });
  const referred = seriesRunRefs(rows);
  if (!referred) throw notFound(`No pipeline ${pipelineId}.`);
  const labels = await runLabels(pipelineId, referred.refs, query.x, referred.relabel);
  return assembleMetricSeries(rows, labels, { pipelineId, query, directions });
}

/**
 * The answer from the statement's rows, which arrive in no order (sorting ~12k wide rows in SQL cost more than
 * the rest of the statement at 100k runs), and the labels of the runs they refer to: runs are listed by x
 * (then id) and referred to by index (-1 for a run without a label: gone since the statement); each series'
 * points, its regressions, the failed marks and the definition changes come out sorted by x. Metric values (a
 * point's y, previous and baseline; a regression's y and baseline) are to SERIES_DIGITS significant digits
 * (lib/metrics/precision.ts); x, counts and ids are exact.
 */
export function assembleMetricSeries(
  rows: MetricSeriesTuple[],
  labels: ReadonlyMap<number, RunLabel>,
  { pipelineId, query, directions }: { pipelineId: number; query: MetricSeriesQuery; directions: Direction[] },
): MetricSeries {
  const byNumber = query.x === "number";
  // The runs in x order (then id), sorted as indexes into parallel arrays of ids, labels and keys.
  const ids = Array.from(labels.keys());
  const list = ids.map((id) => labels.get(id) as RunLabel);
  const keys = list.map((label) => (byNumber ? label.number : label.startedAt));
  const order = ids
    .map((_, i) => i)
    .sort((i, j) => (keys[i] as number) - (keys[j] as number) || (ids[i] as number) - (ids[j] as number));
  const listed = order.map((i) => list[i] as RunLabel);
  const runIndex = new Map<number, number>();
  for (let k = 0; k < order.length; k++) runIndex.set(ids[order[k] as number] as number, k);
  const runs: MetricSeries["runs"] = {
    publicId: listed.map((l) => l.publicId),
    name: listed.map((l) => l.name),
    status: listed.map((l) => l.status),
    startedAt: listed.map((l) => l.startedAt),
    number: byNumber ? listed.map((l) => l.number) : null,
  };
  const refer = (id: number): number => runIndex.get(id) ?? -1;
  const byX = <T extends { x: number }>(list: T[]) => list.sort((a, b) => a.x - b.x);

  type Point = { x: number; y: number; run: number; previous: number | null; baseline: number | null };
  const points = new Map<string, Point[]>(query.names.map((name) => [name, []]));
  const regressions = new Map<string, SeriesRegression[]>(query.names.map((name) => [name, []]));
  const counts = new Map<string, number>();
  const result: MetricSeries = {
    pipelineId,
    x: query.x,
    width: query.width,
    domain: null,
    window: query.window,
    threshold: query.threshold,
    runs,
    series: [],
    failed: [],
    definitionChanges: [],
  };
  for (const row of rows) {
    const [kind, name, x, y, runId, prev, base, n] = row;
    switch (kind) {
      case "point": {
        const list = name === null ? undefined : points.get(name);
        if (!list || x === null || y === null || runId === null) break;
        list.push({ x, y: round(y), run: refer(runId), previous: roundNullable(prev), baseline: roundNullable(base) });
        break;
      }
      case "regression": {
        const list = name === null ? undefined : regressions.get(name);
        if (!list || x === null || y === null || runId === null || base === null) break;
        list.push({ x, y: round(y), run: refer(runId), baseline: round(base) });
        break;
      }
      case "count":
        if (name !== null) counts.set(name, n ?? 0);
        break;
      case "failed":
        if (x !== null && runId !== null) result.failed.push({ x, run: refer(runId), count: n ?? 1 });
        break;
      case "change":
        if (x !== null && runId !== null && base !== null)
          result.definitionChanges.push({ x, run: refer(runId), revisionId: base });
        break;
      case "domain":
        if (x !== null && y !== null) result.domain = [x, y];
        break;
    }
  }
  byX(result.failed);
  byX(result.definitionChanges);
  const columns = (list: SeriesRegression[]) => ({
    x: list.map((r) => r.x),
    y: list.map((r) => r.y),
    run: list.map((r) => r.run),
    baseline: list.map((r) => r.baseline),
  });
  result.series = query.names.map((name, i) => {
    const sorted = byX(points.get(name) ?? []);
    return {
      name,
      direction: directions[i] ?? "higher",
      count: counts.get(name) ?? 0,
      x: sorted.map((p) => p.x),
      y: sorted.map((p) => p.y),
      run: sorted.map((p) => p.run),
      previous: sorted.map((p) => p.previous),
      baseline: sorted.map((p) => p.baseline),
      regressions: columns(byX(regressions.get(name) ?? [])),
    };
  });
  return result;
}

// ───────────────────────────── training curves ─────────────────────────────

export async function getTrainingCurves({
  pipelineId,
  metric,
  runs,
}: {
  pipelineId: number;
  metric: string | undefined;
  runs: number;
}): Promise<TrainingCurves> {
  const { rows } = await pool.query<TrainingCurvesRow>(
    `WITH p AS (SELECT coalesce(headline_metric, tags ->> 'stepwise:headline-metric') AS headline
                FROM pipeline WHERE id = $1)
     SELECT t.* FROM p CROSS JOIN LATERAL (${TRAINING_CURVES_SQL.replaceAll("$4::text", "p.headline")}) t`,
    [pipelineId, runs, metric ?? null],
  );
  if (rows.length === 0) throw notFound(`No pipeline ${pipelineId}.`);
  const first = rows[0];
  return {
    metric: first?.metric ?? null,
    metrics: first?.names ?? [],
    curves: rows.flatMap((r) =>
      r.public_id && r.job && r.steps && r.values && r.started_at
        ? [
            {
              publicId: r.public_id,
              runName: r.run_name ?? r.public_id,
              job: r.job,
              startedAt: r.started_at,
              steps: r.steps,
              values: r.values,
            },
          ]
        : [],
    ),
  };
}

// ───────────────────────────── compare ─────────────────────────────

export type ComparedRun = Omit<CompareRunRow, "public_id" | "started_at" | "stopped_at" | "duration_ms"> & {
  publicId: string;
  startedAt: string;
  stoppedAt: string | null;
  durationMs: number | null;
};

/** The selected runs of the pipeline, in the order of `publicIds` (unknown ids are left out). */
export async function compareRuns({
  pipelineId,
  publicIds,
}: {
  pipelineId: number;
  publicIds: string[];
}): Promise<ComparedRun[]> {
  if (publicIds.length === 0) return [];
  const { rows } = await pool.query<CompareRunRow>(COMPARE_RUNS_SQL, [pipelineId, publicIds]);
  const byId = new Map(rows.map((r) => [r.public_id, r]));
  return publicIds.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const { public_id, started_at, stopped_at, duration_ms, ...rest } = r;
    return [{ ...rest, publicId: public_id, startedAt: started_at, stoppedAt: stopped_at, durationMs: duration_ms }];
  });
}

/** Teams that own at least one pipeline (by team row, or by the `team` tag until the sync links one). */
export async function listPipelineTeams(): Promise<{ slug: string; name: string }[]> {
  const { rows } = await pool.query<{ slug: string; name: string }>(
    `SELECT DISTINCT coalesce(t.slug, p.tags ->> 'team') AS slug, coalesce(t.name, p.tags ->> 'team') AS name
       FROM pipeline p LEFT JOIN team t ON t.id = p.team_id
      WHERE p.status <> 'DELETED' AND coalesce(t.slug, p.tags ->> 'team') IS NOT NULL
      ORDER BY name`,
  );
  return rows;
}
