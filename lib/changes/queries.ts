/**
 * "What changed since the last good run" (issue 18 §4). The baseline of a run is its pipeline's most recent
 * SUCCEEDED run started before it none of whose metrics regressed — regression as the metric graph's ▼
 * markers compute it (lib/metrics/regression.ts on the trigger-kept trailing baseline of run_metric). Two
 * statements: the run with its candidate baselines (newest first, with their metrics), then the facts of
 * the run and the chosen baseline; lib/changes/diff.ts does the rest.
 */
import "server-only";
import type pg from "pg";
import { pool } from "@/lib/db";
import { isRegression, REGRESSION_THRESHOLD_PERCENT } from "@/lib/metrics/regression";
import { computeChanges, type FactJob, type FactMetric, type FactStep, type RunFacts } from "./diff";
import type { RunChanges } from "./schema";

/** Successful runs looked at for a baseline: past this many regressed ones in a row, there is none. */
export const BASELINE_CANDIDATES = 50;
/** Steps sent for the ghost bars and the duration diff (a run page shows at most this many anyway). */
const MAX_STEPS = 5000;

const ISO = (col: string) => `to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

type MetricTuple = [string, number, number | null, number];
const toMetrics = (tuples: MetricTuple[]): FactMetric[] =>
  tuples.map(([name, value, baseValue, baseN]) => ({ name, value, baseValue, baseN }));

const CANDIDATES_SQL = /* sql */ `
SELECT c.id,
       (SELECT coalesce(json_agg(json_build_object('id', b.id, 'metrics', b.metrics) ORDER BY b.started_at DESC, b.id DESC), '[]')
          FROM (SELECT r.id, r.started_at,
                       (SELECT coalesce(json_agg(json_build_array(m.name, m.value, m.base_value, m.base_n)), '[]')
                          FROM run_metric m WHERE m.run_id = r.id AND m.scope = 'run') AS metrics
                  FROM run r
                 WHERE r.pipeline_id = c.pipeline_id AND r.status = 'SUCCEEDED'
                   AND (r.started_at, r.id) < (c.started_at, c.id)
                 ORDER BY r.started_at DESC, r.id DESC
                 LIMIT $2) b) AS candidates
  FROM run c
 WHERE (CASE WHEN left($1, 4) = 'arn:' THEN c.execution_arn = $1 ELSE c.public_id = $1 END)`;

const FACTS_SQL = /* sql */ `
SELECT r.id, r.public_id, r.name, r.status::text AS status, ${ISO("r.started_at")} AS started_at,
       ${ISO("r.stopped_at")} AS stopped_at, r.revision_id, r.input,
       (SELECT coalesce(json_agg(json_build_object(
                 'stepKey', s.key, 'kind', j.kind, 'hyperParameters', j.hyper_parameters, 'image', j.algorithm_image,
                 'instanceType', j.instance_type, 'instanceCount', j.instance_count, 'inputs', j.inputs,
                 'billableSeconds', j.billable_seconds) ORDER BY j.id), '[]')
          FROM sagemaker_job j LEFT JOIN step s ON s.id = j.step_id WHERE j.run_id = r.id) AS jobs,
       (SELECT coalesce(json_agg(json_build_object('key', x.key, 'enteredAt', ${ISO("x.entered_at")},
                                                   'exitedAt', ${ISO("x.exited_at")}) ORDER BY x.entered_event_id, x.id), '[]')
          FROM (SELECT s.key, s.entered_at, s.exited_at, s.entered_event_id, s.id FROM step s
                 WHERE s.run_id = r.id ORDER BY s.entered_event_id, s.id LIMIT ${MAX_STEPS}) x) AS steps,
       (SELECT coalesce(json_agg(json_build_array(m.name, m.value, m.base_value, m.base_n)), '[]')
          FROM run_metric m WHERE m.run_id = r.id AND m.scope = 'run') AS metrics
  FROM run r
 WHERE r.id = ANY($1::int[])`;

type FactsRow = {
  id: number;
  public_id: string;
  name: string;
  status: RunFacts["status"];
  started_at: string;
  stopped_at: string | null;
  revision_id: number | null;
  input: string | null;
  jobs: FactJob[];
  steps: FactStep[];
  metrics: MetricTuple[];
};

const toFacts = (r: FactsRow): RunFacts => ({
  publicId: r.public_id,
  name: r.name,
  status: r.status,
  startedAt: r.started_at,
  stoppedAt: r.stopped_at,
  revisionId: r.revision_id,
  input: r.input,
  jobs: r.jobs,
  steps: r.steps,
  metrics: toMetrics(r.metrics),
});

/** The run's baseline: the newest candidate without a regressed metric (ids; null when none qualifies). */
export function pickBaseline(
  candidates: { id: number; metrics: MetricTuple[] }[],
  thresholdPercent = REGRESSION_THRESHOLD_PERCENT,
): number | null {
  for (const c of candidates) {
    if (!toMetrics(c.metrics).some((m) => isRegression(m, thresholdPercent))) return c.id;
  }
  return null;
}

/** The changes of a run (public id or execution ARN) against its last good run; null for an unknown run. */
export async function getRunChanges({
  id,
  db = pool,
}: {
  id: string;
  /** The alerts read it inside the sync's transaction, which has not committed the run yet. */
  db?: pg.Pool | pg.PoolClient;
}): Promise<RunChanges | null> {
  const {
    rows: [head],
  } = await db.query<{ id: number; candidates: { id: number; metrics: MetricTuple[] }[] }>(CANDIDATES_SQL, [
    id,
    BASELINE_CANDIDATES,
  ]);
  if (!head) return null;
  const baselineId = pickBaseline(head.candidates);
  const { rows } = await db.query<FactsRow>(FACTS_SQL, [baselineId === null ? [head.id] : [head.id, baselineId]]);
  const current = rows.find((r) => r.id === head.id);
  if (!current) return null;
  const baseline = rows.find((r) => r.id === baselineId) ?? null;
  const note =
    head.candidates.length === 0
      ? "No earlier successful run of this pipeline to compare with."
      : `None of the last ${head.candidates.length} successful runs before this one is free of metric regressions.`;
  return computeChanges(toFacts(current), baseline ? toFacts(baseline) : null, {
    thresholdPercent: REGRESSION_THRESHOLD_PERCENT,
    note,
  });
}
