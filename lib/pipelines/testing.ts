/**
 * Test fixtures of the pipelines domain. seedPipelineHistory: bulk seeding of a synthetic pipeline for
 * tests and benchmarks: runs, run-level metrics, training jobs and their per-epoch series, written with a handful of INSERT … SELECT FROM generate_series
 * statements (100k runs and 10M metric points take seconds, not minutes). Values are deterministic
 * functions of the run index: a slow improvement, a seasonal wave, pseudo-noise and planted
 * regression episodes, so tests can assert on them. Names are random so test files never collide.
 * (One pipeline with a few hand-made runs and steps: seedPipeline in lib/runs/testing.ts.)
 */
import type pg from "pg";
import type { MetricSeries } from "./schema";
import type { SeriesRegression } from "./series-runs";

/** The regressions of one series of a metric series answer as objects, in x order (the answer keeps columns). */
export function seriesRegressions(regressions: MetricSeries["series"][number]["regressions"]): SeriesRegression[] {
  return regressions.x.map((x, i) => ({
    x,
    y: regressions.y[i] as number,
    run: regressions.run[i] as number,
    baseline: regressions.baseline[i] as number,
  }));
}

/** A pipeline's relabel counter (lib/pipelines/run-labels.ts), read as the series statement reads it: 0 without a row. */
export async function relabelCounter(db: pg.Pool, pipelineId: number): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    "SELECT coalesce((SELECT n FROM pipeline_run_relabel WHERE pipeline_id = $1), 0) AS n",
    [pipelineId],
  );
  return Number(rows[0]?.n);
}

export type SeedOptions = {
  runs: number;
  metrics?: string[];
  /** first run's start (ms); runs are `spacingMs` apart */
  startMs?: number;
  spacingMs?: number;
  /** every k-th run fails (no metrics); 0 = never */
  failedEvery?: number;
  /** every k-th run starts at the same instant as the one before it (keyset ties); 0 = never */
  tieEvery?: number;
  /** the definition changes every k runs; 0 = one revision */
  revisionEvery?: number;
  /** runs [from, to) report a headline metric `drop` worse (regression episode) */
  regression?: { from: number; to: number; drop: number };
  /** the last k runs are still RUNNING */
  running?: number;
  /** per-epoch points per training job (metric_point), 0 = none; only the first metric */
  epochs?: number;
  /** only the last k runs get training jobs + epochs (all when undefined) */
  jobsForLast?: number;
  team?: string;
  tags?: Record<string, string>;
  name?: string;
};

export type SeededHistory = { pipelineId: number; name: string; teamSlug: string; metrics: string[]; prefix: string };

const rand = () => Math.random().toString(36).slice(2, 10);

/** Value of metric `m` (0-based) for run index `i` (1-based), as SQL over the column `i`. */
const valueSql = (m: number, regression?: SeedOptions["regression"]) => {
  const base = `(0.6 + ${0.05 * m} + 0.1 * (1 - exp(-i / 400.0)) + 0.01 * sin(i / 7.0)
    + 0.004 * (((i * 7919 + ${m * 104729}) % 1000) / 1000.0 - 0.5))`;
  if (!regression || m !== 0) return base;
  return `(${base} - CASE WHEN i >= ${regression.from} AND i < ${regression.to} THEN ${regression.drop} ELSE 0 END)`;
};

export async function seedPipelineHistory(db: pg.Pool, o: SeedOptions): Promise<SeededHistory> {
  const prefix = o.name ?? `seed-${rand()}`;
  const metrics = o.metrics ?? ["validation:auc", "validation:loss"];
  const start = o.startMs ?? Date.UTC(2024, 0, 1);
  const spacing = o.spacingMs ?? 60_000;
  const teamSlug = o.team ?? `team-${rand()}`;
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    // Test data, not a request: the app's statement timeout (15 s) is not what this insert is measured by, and
    // several test files seeding thousands of metric rows (each maintaining its rollups) at once on a busy
    // machine took longer than that.
    await client.query("SET LOCAL statement_timeout = 0");
    const source = await client.query<{ id: number }>(
      `INSERT INTO aws_source (key, account_id, region, updated_at) VALUES ($1, '123456789012', 'eu-west-1', now())
       RETURNING id`,
      [`src-${prefix}`],
    );
    const sourceId = source.rows[0]?.id;
    const team = await client.query<{ id: number }>(
      `INSERT INTO team (slug, name) VALUES ($1, $2)
       ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [teamSlug, teamSlug.replace(/-/g, " ")],
    );
    const teamId = team.rows[0]?.id;
    const pipeline = await client.query<{ id: number }>(
      `INSERT INTO pipeline (source_id, state_machine_arn, name, team_id, tags, definition, headline_metric, last_run_at,
                             updated_at, description)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7,
               (to_timestamp($8::float8 / 1000) AT TIME ZONE 'UTC'), now(), $9)
       RETURNING id`,
      [
        sourceId,
        `arn:aws:states:eu-west-1:123456789012:stateMachine:${prefix}`,
        prefix,
        teamId,
        JSON.stringify({ team: teamSlug, ...o.tags }),
        JSON.stringify({
          StartAt: "Prepare",
          States: {
            Prepare: { Type: "Task", Resource: "arn:aws:states:::sagemaker:createProcessingJob.sync", Next: "Train" },
            Train: { Type: "Task", Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync", Next: "Gate" },
            Gate: { Type: "Choice", Choices: [], Default: "Done" },
            Done: { Type: "Succeed" },
          },
        }),
        metrics[0],
        start + (o.runs - 1) * spacing,
        `Synthetic pipeline ${prefix}`,
      ],
    );
    const pipelineId = pipeline.rows[0]?.id as number;
    const revisions = o.revisionEvery ? Math.ceil(o.runs / o.revisionEvery) : 1;
    const rev = await client.query<{ id: number }>(
      `INSERT INTO pipeline_revision (pipeline_id, definition_hash, definition)
       SELECT $1, 'h' || g, '{}'::jsonb FROM generate_series(1, $2::int) g ORDER BY g RETURNING id`,
      [pipelineId, revisions],
    );
    const revisionIds = rev.rows.map((r) => r.id);
    const tie = o.tieEvery ?? 0;
    const failedEvery = o.failedEvery ?? 0;
    const running = o.running ?? 0;
    // started_at: runs i and i-1 share an instant when i % tieEvery = 0.
    await client.query(
      `INSERT INTO run (public_id, pipeline_id, revision_id, execution_arn, name, status, started_at, stopped_at, input,
                        run_number)
       SELECT $2 || '-' || i, $1,
              ($5::int[])[CASE WHEN $6::int > 0 THEN ((i - 1) / $6::int) + 1 ELSE 1 END],
              'arn:aws:states:eu-west-1:123456789012:execution:' || $2 || ':run-' || i,
              $2 || '-run-' || lpad(i::text, 6, '0'),
              (CASE WHEN i > $3::int - $9::int THEN 'RUNNING'
                    WHEN $8::int > 0 AND i % $8::int = 0 THEN 'FAILED'
                    ELSE 'SUCCEEDED' END)::"RunStatus",
              st,
              CASE WHEN i > $3::int - $9::int THEN NULL ELSE st + ((300 + (i % 17) * 60) * interval '1 second') END,
              '{"trigger":"' || CASE WHEN i % 5 = 0 THEN 'manual' ELSE 'schedule' END || '","runName":"run-' || i || '"}',
              i
       FROM (SELECT i, (to_timestamp(($4::float8 + (CASE WHEN $7::int > 0 AND i % $7::int = 0 THEN i - 1 ELSE i END
                        - 1) * $10::float8) / 1000) AT TIME ZONE 'UTC') AS st
               FROM generate_series(1, $3::int) i) g`,
      [pipelineId, prefix, o.runs, start, revisionIds, o.revisionEvery ?? 0, tie, failedEvery, running, spacing],
    );
    for (const [m, name] of metrics.entries()) {
      await client.query(
        `INSERT INTO run_metric (pipeline_id, run_id, scope, name, value, run_started_at)
         SELECT $1, r.id, 'run', $2, ${valueSql(m, o.regression)}, r.started_at
         FROM (SELECT id, started_at, status, split_part(public_id, '-', -1)::int AS i FROM run WHERE pipeline_id = $1) r
         WHERE r.status = 'SUCCEEDED'`,
        [pipelineId, name],
      );
    }
    const epochs = o.epochs ?? 0;
    if (epochs > 0) {
      await client.query(
        `INSERT INTO sagemaker_job (source_id, kind, name, arn, run_id, status, hyper_parameters, inputs,
                                    started_at, ended_at, instance_type)
         SELECT $2, 'TRAINING', r.public_id || '-train', 'arn:aws:sagemaker:eu-west-1:123456789012:training-job/'
                || r.public_id || '-train', r.id, 'Completed',
                jsonb_build_object('learning_rate', (0.01 + (r.id % 5) * 0.005)::text, 'epochs', $3::text),
                '[{"ChannelName":"train"}]'::jsonb, r.started_at + interval '1 minute', r.stopped_at, 'ml.g5.2xlarge'
         FROM (SELECT * FROM run WHERE pipeline_id = $1 AND status = 'SUCCEEDED'
               ORDER BY started_at DESC LIMIT $4) r`,
        [pipelineId, sourceId, epochs, o.jobsForLast ?? 2_147_483_647],
      );
      await client.query(
        `INSERT INTO metric_point (job_id, name, step, value, timestamp)
         SELECT j.id, $2, s, 0.5 + 0.3 * (1 - exp(-s / 10.0)) + (j.id % 7) * 0.003, j.started_at + s * interval '10 second'
         FROM sagemaker_job j JOIN run r ON r.id = j.run_id AND r.pipeline_id = $1
         CROSS JOIN generate_series(1, $3::int) s`,
        [pipelineId, metrics[0], epochs],
      );
    }
    await client.query("COMMIT");
    return { pipelineId, name: prefix, teamSlug, metrics, prefix };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
