/**
 * Scale data generator for the benchmark: fills a Stepwise database with a
 * realistic shape, entirely inside Postgres (INSERT … SELECT generate_series),
 * so a million runs take minutes, not hours. Every "random" value is a hash of
 * row ids (hashint8), so the same scale always produces the same data whatever
 * the order of execution.
 *
 *   full:  200 pipelines, 1M runs (100k in the largest), ~20 steps per run with a
 *          tail of 2,000-step Map runs, 10M metric points, 5k model versions
 *   quick: the same shape at 1/50 (and one 2,000-step run per pipeline tail)
 *
 * For the cost curves (bench/modules/curves.ts) the second and third pipelines hold 1/10 and 1/100 of the
 * largest one's runs, and two runs have 200 and 20,000 steps beside the 2,000-step ones. Rollups and run
 * numbers are computed in bulk at the end (the row triggers are off while seeding).
 * SEED_VERSION is part of the default data directory, so a changed shape is seeded afresh.
 */
import type pg from "pg";
import type { Scale } from "./lib/types";

export type ScaleSpec = {
  pipelines: number;
  runs: number;
  largestPipelineRuns: number;
  /** every Nth run is a 2,000-step Map run */
  bigRunEvery: number;
  /** points per metric per job, for the newest runs that get series */
  epochs: number;
  metricPoints: number;
  modelVersions: number;
};

export const SCALES: Record<Scale, ScaleSpec> = {
  full: {
    pipelines: 200,
    runs: 1_000_000,
    largestPipelineRuns: 100_000,
    bigRunEvery: 5_000,
    epochs: 50,
    metricPoints: 10_000_000,
    modelVersions: 5_000,
  },
  quick: {
    pipelines: 20,
    runs: 20_000,
    largestPipelineRuns: 10_000,
    bigRunEvery: 5_000,
    epochs: 50,
    metricPoints: 200_000,
    modelVersions: 500,
  },
};

export const SEED_VERSION = 2;
export const BENCH_SOURCE_KEY = "bench";
export const METRIC_NAMES = ["validation:auc", "validation:loss", "business:gmv_uplift"] as const;
/** The bench's series request (the metric graph's): a pipeline's three seeded metrics at 1,200 px. */
export const seriesPath = (pipelineId: number) =>
  `/api/v1/pipelines/${pipelineId}/metrics?names=${METRIC_NAMES.join(",")}&width=1200`;

/** Uniform [0,1) from an integer expression and a salt: deterministic, order-independent. */
const rnd = (expr: string, salt: number) =>
  `((hashint8((${expr})::bigint * 1000003 + ${salt}) & 2147483647)::float8 / 2147483648.0)`;

export type SeedInfo = {
  sourceId: number;
  largestPipelineId: number;
  bigRunPublicId: string;
  runs: number;
  steps: number;
  version?: number;
  /** Pipelines with 1/100, 1/10 and all of the largest pipeline's runs, for the cost curves. */
  curvePipelines?: { runs: number; pipelineId: number }[];
  /** Runs with 200, 2,000 and 20,000 steps. */
  curveRuns?: { steps: number; publicId: string }[];
};

export async function seededScale(pool: pg.Pool): Promise<{ scale: string; info: SeedInfo } | null> {
  const { rows } = await pool.query<{ cursors: { bench?: { scale: string; info: SeedInfo } } }>(
    "SELECT cursors FROM aws_source WHERE key = $1",
    [BENCH_SOURCE_KEY],
  );
  return rows[0]?.cursors.bench ?? null;
}

export async function seed(pool: pg.Pool, scale: Scale, log: (line: string) => void): Promise<SeedInfo> {
  const spec = SCALES[scale];
  const existing = await seededScale(pool);
  if (existing?.scale === scale) {
    log(`bench data at scale "${scale}" already present`);
    return existing.info;
  }
  if (existing) throw new Error(`the bench database holds scale "${existing.scale}"; use another STEPWISE_DATA_DIR`);
  const client = await pool.connect();
  const step = async (label: string, text: string, params: unknown[] = []) => {
    const started = performance.now();
    const result = await client.query(text, params);
    log(`  ${label}: ${result.rowCount ?? 0} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  try {
    log(`seeding scale "${scale}": ${spec.pipelines} pipelines, ${spec.runs} runs, ${spec.metricPoints} metric points`);
    // One transaction: a seed that fails half-way leaves nothing behind to trip the next attempt.
    await client.query("BEGIN");
    await client.query("SET LOCAL synchronous_commit = off");
    const source = await client.query<{ id: number }>(
      `INSERT INTO aws_source (key, account_id, region, enabled, updated_at)
       VALUES ($1, '000000000000', 'eu-west-1', false, now()) RETURNING id`,
      [BENCH_SOURCE_KEY],
    );
    const sourceId = source.rows[0]?.id ?? 0;
    await step(
      "teams",
      `INSERT INTO team (slug, name) SELECT 'bench-team-' || g, 'Bench team ' || g FROM generate_series(1, 20) g
       ON CONFLICT (slug) DO NOTHING`,
    );
    await step(
      "pipelines",
      `INSERT INTO pipeline (source_id, state_machine_arn, name, team_id, tags, definition, headline_metric, updated_at)
       SELECT $1, 'arn:aws:states:eu-west-1:000000000000:stateMachine:bench-' || g, 'bench-pipeline-' || lpad(g::text, 4, '0'),
              (SELECT id FROM team WHERE slug = 'bench-team-' || (1 + g % 20)),
              jsonb_build_object('team', 'bench-team-' || (1 + g % 20), 'kind', CASE WHEN g % 3 = 0 THEN 'forecast' ELSE 'ranking' END),
              jsonb_build_object('StartAt', 'Prepare', 'States', jsonb_build_object(
                'Prepare', jsonb_build_object('Type', 'Task', 'Resource', 'arn:aws:states:::lambda:invoke', 'Next', 'Markets'),
                'Markets', jsonb_build_object('Type', 'Map', 'ItemProcessor', jsonb_build_object('StartAt', 'Train', 'States',
                   jsonb_build_object('Train', jsonb_build_object('Type', 'Task', 'Resource', 'arn:aws:states:::sagemaker:createTrainingJob.sync', 'End', true))),
                   'Next', 'Gate'),
                'Gate', jsonb_build_object('Type', 'Choice', 'Choices', jsonb_build_array(jsonb_build_object('Variable', '$.auc', 'NumericGreaterThan', 0.7, 'Next', 'Register')), 'Default', 'Reject'),
                'Register', jsonb_build_object('Type', 'Task', 'Resource', 'arn:aws:states:::sagemaker:createModelPackage', 'End', true),
                'Reject', jsonb_build_object('Type', 'Fail', 'Error', 'QualityGate'))),
              'validation:auc', now()
       FROM generate_series(1, $2::int) g`,
      [sourceId, spec.pipelines],
    );
    await step(
      "revisions",
      `INSERT INTO pipeline_revision (pipeline_id, definition_hash, definition, first_seen_at)
       SELECT p.id, md5(p.definition::text || r), p.definition, now() - (r || ' days')::interval
       FROM pipeline p CROSS JOIN generate_series(0, 1) r WHERE p.source_id = $1`,
      [sourceId],
    );
    await client.query(
      `UPDATE pipeline p SET revision_id = (SELECT max(id) FROM pipeline_revision r WHERE r.pipeline_id = p.id) WHERE p.source_id = $1`,
      [sourceId],
    );
    const pipelines = await client.query<{ id: number }>("SELECT id FROM pipeline WHERE source_id = $1 ORDER BY id", [
      sourceId,
    ]);
    const ids = pipelines.rows.map((r) => r.id);
    const largest = ids[0] ?? 0;
    // Run g (1-based): the first largestPipelineRuns belong to the largest pipeline, the next 1/10 and 1/100 of
    // that to the second and third (cost curves), the rest round-robin over the others.
    const mid = Math.round(spec.largestPipelineRuns / 10);
    const small = Math.round(spec.largestPipelineRuns / 100);
    const others = ids.slice(3);
    // The row triggers (run numbers, failed-run rollups) are off: numbers are given here, rollups built at the end.
    await client.query("ALTER TABLE run DISABLE TRIGGER USER");
    await client.query("ALTER TABLE run_metric DISABLE TRIGGER USER");
    await client.query("ALTER TABLE sagemaker_job DISABLE TRIGGER USER");
    await step(
      "runs",
      `WITH g AS (SELECT g FROM generate_series(1, $1::int) g),
       r AS (
         SELECT g,
           CASE WHEN g <= $2::int THEN $3::int
                WHEN g <= $2::int + $5::int THEN $6::int
                WHEN g <= $2::int + $5::int + $7::int THEN $8::int
                ELSE ($4::int[])[1 + (g % cardinality($4::int[]))] END AS pipeline_id,
           ${rnd("g", 1)} AS u1, ${rnd("g", 2)} AS u2
         FROM g)
       INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at, stopped_at, input, output,
                        error, cause, last_event_id, history_complete, step_count, run_number)
       SELECT 'b' || lpad(to_hex(g), 9, '0'), pipeline_id,
              'arn:aws:states:eu-west-1:000000000000:execution:bench-' || pipeline_id || ':run-' || g,
              'run-' || g,
              (CASE WHEN g > $1::int - 20 THEN 'RUNNING' WHEN u1 < 0.07 THEN 'FAILED' WHEN u1 < 0.08 THEN 'ABORTED' ELSE 'SUCCEEDED' END)::"RunStatus",
              now() - make_interval(secs => ($1::int - g) * (31536000.0 / $1::int)),
              CASE WHEN g > $1::int - 20 THEN NULL ELSE now() - make_interval(secs => ($1::int - g) * (31536000.0 / $1::int)) + make_interval(secs => 600 + u2 * 5400) END,
              '{"dataset":{"train":"s3://bench/train/' || g || '"},"trigger":"schedule"}',
              CASE WHEN u1 >= 0.08 THEN '{"model":"s3://bench/models/' || g || '"}' END,
              CASE WHEN u1 < 0.07 AND g <= $1::int - 20 THEN 'States.TaskFailed' END,
              CASE WHEN u1 < 0.07 AND g <= $1::int - 20 THEN 'Training job failed: ClientError: data validation' END,
              0, g <= $1::int - 20, 0, row_number() OVER (PARTITION BY pipeline_id ORDER BY g)
       FROM r`,
      [
        spec.runs,
        spec.largestPipelineRuns,
        largest,
        others.length ? others : [largest],
        mid,
        ids[1] ?? largest,
        small,
        ids[2] ?? largest,
      ],
    );
    await client.query(
      `UPDATE pipeline p SET last_run_at = s.last FROM (SELECT pipeline_id, max(started_at) AS last FROM run GROUP BY 1) s
       WHERE s.pipeline_id = p.id AND p.source_id = $1`,
      [sourceId],
    );
    await client.query(
      "UPDATE run SET revision_id = (SELECT revision_id FROM pipeline WHERE id = run.pipeline_id) WHERE id IN (SELECT r.id FROM run r JOIN pipeline p ON p.id = r.pipeline_id WHERE p.source_id = $1)",
      [sourceId],
    );

    // Steps, in chunks of runs so progress shows and memory stays flat.
    const bounds = await client.query<{ min: number; max: number }>(
      "SELECT min(r.id) AS min, max(r.id) AS max FROM run r JOIN pipeline p ON p.id = r.pipeline_id WHERE p.source_id = $1",
      [sourceId],
    );
    const minRun = bounds.rows[0]?.min ?? 0;
    const maxRun = bounds.rows[0]?.max ?? 0;
    // The step-count curve: the second pipeline's first two runs get 200 and 20,000 steps.
    const run200 = minRun + spec.largestPipelineRuns;
    const run20k = run200 + 1;
    const chunk = 50_000;
    let steps = 0;
    for (let from = minRun; from <= maxRun; from += chunk) {
      const result = await client.query(
        `INSERT INTO step (run_id, key, parent_key, state_name, state_type, status, entered_at, exited_at,
                           entered_event_id, exited_event_id, attempts, map_iteration_index, depth, resource, job_name)
         SELECT r.id,
                CASE WHEN s.i = 1 THEN 'Prepare' WHEN s.i = s.n THEN 'Register' ELSE 'Markets[' || (s.i - 2) || ']/Train' END,
                CASE WHEN s.i = 1 OR s.i = s.n THEN NULL ELSE 'Markets' END,
                CASE WHEN s.i = 1 THEN 'Prepare' WHEN s.i = s.n THEN 'Register' ELSE 'Train' END,
                'Task',
                (CASE WHEN r.status = 'RUNNING' AND s.i = s.n THEN 'RUNNING'
                      WHEN r.status = 'FAILED' AND s.i = s.n THEN 'FAILED' ELSE 'SUCCEEDED' END)::"StepStatus",
                r.started_at + make_interval(secs => s.i * 20),
                CASE WHEN r.status = 'RUNNING' AND s.i = s.n THEN NULL ELSE r.started_at + make_interval(secs => s.i * 20 + 15 + ${rnd("r.id::bigint * 4096 + s.i", 3)} * 300) END,
                s.i * 5, s.i * 5 + 4, 1 + (${rnd("r.id::bigint * 4096 + s.i", 4)} < 0.05)::int,
                CASE WHEN s.i = 1 OR s.i = s.n THEN NULL ELSE s.i - 2 END,
                CASE WHEN s.i = 1 OR s.i = s.n THEN 0 ELSE 1 END,
                'arn:aws:states:::sagemaker:createTrainingJob.sync',
                CASE WHEN s.i = 2 THEN 'bench-train-' || r.id END
         FROM run r
         CROSS JOIN LATERAL (
           SELECT i, n FROM (SELECT CASE WHEN r.id = $4 THEN 200 WHEN r.id = $5 THEN 20000 WHEN r.id % $3 = 0 THEN 2000
                                         ELSE 10 + (${rnd("r.id", 5)} * 21)::int END AS n) c,
                  generate_series(1, c.n) i) s
         WHERE r.id BETWEEN $1 AND $2`,
        [from, Math.min(from + chunk - 1, maxRun), spec.bigRunEvery, run200, run20k],
      );
      steps += result.rowCount ?? 0;
      log(`  steps: ${steps} rows (runs ≤ ${Math.min(from + chunk - 1, maxRun)})`);
    }
    await client.query(
      `UPDATE run r SET step_count = c.n FROM (SELECT run_id, count(*) AS n FROM step GROUP BY 1) c WHERE c.run_id = r.id AND r.id BETWEEN $1 AND $2`,
      [minRun, maxRun],
    );
    await step(
      "training jobs",
      `INSERT INTO sagemaker_job (source_id, kind, name, arn, run_id, status, hyper_parameters, instance_type, instance_count,
                                  billable_seconds, job_created_at, started_at, ended_at, artifact_uri)
       SELECT $1, 'TRAINING', 'bench-train-' || r.id, 'arn:aws:sagemaker:eu-west-1:000000000000:training-job/bench-train-' || r.id,
              r.id, CASE r.status WHEN 'RUNNING' THEN 'InProgress' WHEN 'FAILED' THEN 'Failed' ELSE 'Completed' END,
              jsonb_build_object('eta', round((0.05 + ${rnd("r.id", 6)} * 0.2)::numeric, 3)::text, 'max_depth', (4 + r.id % 6)::text),
              'ml.m5.2xlarge', 1 + (r.id % 3), 600 + (${rnd("r.id", 7)} * 3000)::int, r.started_at, r.started_at, r.stopped_at,
              's3://bench/models/' || r.id || '/model.tar.gz'
       FROM run r WHERE r.id BETWEEN $2 AND $3`,
      [sourceId, minRun, maxRun],
    );
    await step(
      "final metrics (run scope)",
      `INSERT INTO run_metric (pipeline_id, run_id, scope, name, value, run_started_at, run_number)
       SELECT r.pipeline_id, r.id, 'run', m.name,
              CASE m.k WHEN 1 THEN 0.70 + 0.2 * (r.id::float8 / $3) + 0.05 * ${rnd("r.id", 8)}
                       WHEN 2 THEN 0.60 - 0.2 * (r.id::float8 / $3) + 0.05 * ${rnd("r.id", 9)}
                       ELSE 1.5 + ${rnd("r.id", 10)} END,
              r.started_at, r.run_number
       FROM run r CROSS JOIN (VALUES (1, $4), (2, $5), (3, $6)) AS m(k, name)
       WHERE r.id BETWEEN $1 AND $2 AND r.status <> 'RUNNING'`,
      [minRun, maxRun, maxRun, METRIC_NAMES[0], METRIC_NAMES[1], METRIC_NAMES[2]],
    );
    const jobsWithSeries = Math.ceil(spec.metricPoints / spec.epochs);
    await step(
      "metric points",
      `INSERT INTO metric_point (job_id, name, step, value, timestamp)
       SELECT j.id, 'validation:loss', e, 1.0 / (1 + e * 0.1) + 0.02 * ${rnd("j.id::bigint * 100 + e", 11)}, j.started_at + make_interval(secs => e * 60)
       FROM (SELECT id, started_at FROM sagemaker_job WHERE source_id = $1 ORDER BY id DESC LIMIT $2) j
       CROSS JOIN generate_series(0, $3::int - 1) e`,
      [sourceId, jobsWithSeries, spec.epochs],
    );
    await step(
      "model groups",
      `INSERT INTO model_group (source_id, name, pipeline_id, team_id, updated_at)
       SELECT $1, replace(p.name, 'pipeline', 'model'), p.id, p.team_id, now() FROM pipeline p WHERE p.source_id = $1`,
      [sourceId],
    );
    await step(
      "model versions",
      `INSERT INTO model_version (model_id, version, approval_status, run_id, artifact_uri, updated_at)
       SELECT g.id, v, (CASE WHEN v % 4 = 0 THEN 'APPROVED' WHEN v % 7 = 0 THEN 'REJECTED' ELSE 'PENDING_MANUAL_APPROVAL' END)::"ApprovalStatus",
              (SELECT r.id FROM run r WHERE r.pipeline_id = g.pipeline_id AND r.status = 'SUCCEEDED' ORDER BY r.started_at DESC OFFSET v LIMIT 1),
              's3://bench/models/' || g.id || '/' || v, now()
       FROM model_group g CROSS JOIN generate_series(1, $2::int) v WHERE g.source_id = $1`,
      [sourceId, Math.ceil(spec.modelVersions / spec.pipelines)],
    );
    // What the run search reads (migration 20261130900000), kept by triggers in the product, filled in bulk here.
    await step("run search columns", "UPDATE run SET input_doc = stepwise_try_jsonb(input) WHERE input IS NOT NULL");
    await step(
      "run search hyperparameters",
      `UPDATE run r SET hyper_parameters = j.hp
         FROM (SELECT run_id, jsonb_object_agg(kv.key, kv.value ORDER BY job_created_at NULLS FIRST, id) AS hp
                 FROM sagemaker_job CROSS JOIN LATERAL jsonb_each(hyper_parameters) kv
                WHERE kind = 'TRAINING' AND run_id IS NOT NULL GROUP BY run_id) j
        WHERE r.id = j.run_id`,
    );
    await client.query("ALTER TABLE run ENABLE TRIGGER USER");
    await client.query("ALTER TABLE run_metric ENABLE TRIGGER USER");
    await client.query("ALTER TABLE sagemaker_job ENABLE TRIGGER USER");
    await step("metric rollups (rebuild)", "SELECT stepwise_rollup_rebuild(NULL)");
    await client.query("COMMIT");
    // VACUUM as well as ANALYZE: the freshly inserted tables would otherwise be vacuumed by autovacuum while the
    // modules measure (it held the load average at 1.5–4.2 in the fifth sitting's full run), and the visibility
    // map it sets is what lets the index-only scans skip the heap.
    const vacuumStarted = performance.now();
    await client.query("VACUUM (ANALYZE)");
    log(`  vacuum + analyze in ${((performance.now() - vacuumStarted) / 1000).toFixed(1)} s`);
    const big = await client.query<{ public_id: string }>(
      `SELECT r.public_id FROM run r WHERE r.id % $1 = 0 AND r.id BETWEEN $2 AND $3 ORDER BY r.id LIMIT 1`,
      [spec.bigRunEvery, minRun, maxRun],
    );
    const curve = await client.query<{ id: number; public_id: string }>(
      "SELECT id, public_id FROM run WHERE id = ANY($1::int[])",
      [[run200, run20k]],
    );
    const publicOf = (id: number) => curve.rows.find((r) => r.id === id)?.public_id ?? "";
    const info: SeedInfo = {
      sourceId,
      largestPipelineId: largest,
      bigRunPublicId: big.rows[0]?.public_id ?? "",
      runs: spec.runs,
      steps,
      version: SEED_VERSION,
      curvePipelines: [
        { runs: small, pipelineId: ids[2] ?? largest },
        { runs: mid, pipelineId: ids[1] ?? largest },
        { runs: spec.largestPipelineRuns, pipelineId: largest },
      ],
      curveRuns: [
        { steps: 200, publicId: publicOf(run200) },
        { steps: 2000, publicId: big.rows[0]?.public_id ?? "" },
        { steps: 20_000, publicId: publicOf(run20k) },
      ],
    };
    await client.query(`UPDATE aws_source SET cursors = jsonb_build_object('bench', $2::jsonb) WHERE id = $1`, [
      sourceId,
      JSON.stringify({ scale, info }),
    ]);
    return info;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
