/**
 * Seeds a pipeline with runs, steps, SageMaker jobs and metrics straight into
 * Postgres, for the run queries' tests and the run-page bench. Names are random
 * so test files sharing one database never collide. Not used by the product.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import { sql } from "@/lib/db";

const rand = () => randomBytes(5).toString("hex");

export type SeededStep = {
  key: string;
  parentKey?: string | null;
  stateName: string;
  stateType?: string;
  status?: string;
  enteredAt: Date;
  exitedAt?: Date | null;
  attempts?: number;
  mapIterationIndex?: number | null;
  parallelBranchIndex?: number | null;
  depth?: number;
  input?: string | null;
  output?: string | null;
  error?: string | null;
  cause?: string | null;
  jobName?: string | null;
  enteredEventId?: number;
  exitedEventId?: number | null;
};

export type SeededPipeline = { sourceId: number; pipelineId: number; teamId: number; name: string; teamSlug: string };

export async function seedPipeline(options: { definition?: unknown; teamSlug?: string } = {}): Promise<SeededPipeline> {
  const id = rand();
  const [source] = await sql<{ id: number }>(
    `INSERT INTO aws_source (key, account_id, region, endpoint, updated_at)
     VALUES ($1, '123456789012', 'eu-west-1', 'http://127.0.0.1:9', now()) RETURNING id`,
    [`test-${id}`],
  );
  const teamSlug = options.teamSlug ?? `team-${id}`;
  const [team] = await sql<{ id: number }>(
    `INSERT INTO team (slug, name) VALUES ($1, $1)
     ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id`,
    [teamSlug],
  );
  const name = `pipeline-${id}`;
  const definition = options.definition ?? {
    StartAt: "Train",
    States: { Train: { Type: "Task", Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync", End: true } },
  };
  const [pipeline] = await sql<{ id: number }>(
    `INSERT INTO pipeline (source_id, state_machine_arn, name, team_id, definition, updated_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, now()) RETURNING id`,
    [
      source?.id,
      `arn:aws:states:eu-west-1:123456789012:stateMachine:${name}`,
      name,
      team?.id,
      JSON.stringify(definition),
    ],
  );
  return { sourceId: source?.id ?? 0, pipelineId: pipeline?.id ?? 0, teamId: team?.id ?? 0, name, teamSlug };
}

export type SeededRun = { id: number; publicId: string; executionArn: string; name: string };

export async function seedRun(
  pipeline: SeededPipeline,
  options: {
    status?: string;
    startedAt?: Date;
    stoppedAt?: Date | null;
    input?: string | null;
    error?: string | null;
    redriveCount?: number;
    steps?: SeededStep[];
    definition?: unknown;
  } = {},
): Promise<SeededRun> {
  const name = `run-${rand()}`;
  const publicId = `t${rand()}`;
  const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:${pipeline.name}:${name}`;
  let revisionId: number | null = null;
  if (options.definition !== undefined) {
    const [rev] = await sql<{ id: number }>(
      `INSERT INTO pipeline_revision (pipeline_id, definition_hash, definition) VALUES ($1, $2, $3::jsonb) RETURNING id`,
      [pipeline.pipelineId, rand(), JSON.stringify(options.definition)],
    );
    revisionId = rev?.id ?? null;
  }
  const [run] = await sql<{ id: number }>(
    `INSERT INTO run (public_id, pipeline_id, revision_id, execution_arn, name, status, started_at, stopped_at, input,
                      error, redrive_count, step_count)
     VALUES ($1, $2, $3, $4, $5, $6::"RunStatus", $7, $8, $9, $10, $11, $12) RETURNING id`,
    [
      publicId,
      pipeline.pipelineId,
      revisionId,
      executionArn,
      name,
      options.status ?? "SUCCEEDED",
      options.startedAt ?? new Date(),
      options.stoppedAt ?? null,
      options.input ?? '{"market":"de"}',
      options.error ?? null,
      options.redriveCount ?? 0,
      options.steps?.length ?? 0,
    ],
  );
  const runId = run?.id ?? 0;
  if (options.steps?.length) await seedSteps(runId, options.steps);
  return { id: runId, publicId, executionArn, name };
}

/** Bulk insert: one statement whatever the number of steps. */
export async function seedSteps(runId: number, steps: SeededStep[]): Promise<void> {
  const col = <T>(f: (s: SeededStep, i: number) => T) => steps.map(f);
  await sql(
    `INSERT INTO step (run_id, key, parent_key, state_name, state_type, status, entered_at, exited_at,
                       entered_event_id, exited_event_id, attempts, map_iteration_index, parallel_branch_index,
                       depth, input, output, error, cause, job_name)
     SELECT $1, k, pk, sn, st, ss::"StepStatus", ea, xa, eid, xid, att, mi, pb, d, i, o, e, c, j
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamp[], $8::timestamp[],
                   $9::int[], $10::int[], $11::int[], $12::int[], $13::int[], $14::int[], $15::text[], $16::text[],
                   $17::text[], $18::text[], $19::text[])
            AS x(k, pk, sn, st, ss, ea, xa, eid, xid, att, mi, pb, d, i, o, e, c, j)`,
    [
      runId,
      col((s) => s.key),
      col((s) => s.parentKey ?? null),
      col((s) => s.stateName),
      col((s) => s.stateType ?? "Task"),
      col((s) => s.status ?? "SUCCEEDED"),
      col((s) => s.enteredAt.toISOString()),
      col((s) => s.exitedAt?.toISOString() ?? null),
      col((s, i) => s.enteredEventId ?? i * 4 + 2),
      col((s, i) => (s.exitedEventId === undefined ? i * 4 + 5 : s.exitedEventId)),
      col((s) => s.attempts ?? 1),
      col((s) => s.mapIterationIndex ?? null),
      col((s) => s.parallelBranchIndex ?? null),
      col((s) => s.depth ?? 0),
      col((s) => s.input ?? null),
      col((s) => s.output ?? null),
      col((s) => s.error ?? null),
      col((s) => s.cause ?? null),
      col((s) => s.jobName ?? null),
    ],
  );
}

/** A training job for a step, with final metrics and per-epoch curves. */
export async function seedTrainingJob(
  pipeline: SeededPipeline,
  run: SeededRun,
  stepKey: string,
  options: { epochs?: number; status?: string } = {},
): Promise<{ jobId: number; name: string }> {
  const name = `${run.name}-train`;
  const [job] = await sql<{ id: number }>(
    `INSERT INTO sagemaker_job (source_id, kind, name, arn, run_id, step_id, status, secondary_status,
                                status_transitions, hyper_parameters, instance_type, instance_count,
                                billable_seconds, artifact_uri, started_at, ended_at)
     SELECT $1, 'TRAINING', $2, $3, $4, s.id, $5, 'Completed',
            '[{"Status":"Starting","StartTime":"2026-01-01T00:00:00Z","EndTime":"2026-01-01T00:01:00Z","StatusMessage":"Preparing"},{"Status":"Training","StartTime":"2026-01-01T00:01:00Z"}]'::jsonb,
            '{"epochs":"3","learning_rate":"0.001"}'::jsonb, 'ml.g5.2xlarge', 1, 1234, 's3://bucket/model.tar.gz',
            now(), now()
       FROM step s WHERE s.run_id = $4 AND s.key = $6
     RETURNING id`,
    [
      pipeline.sourceId,
      name,
      `arn:aws:sagemaker:eu-west-1:123456789012:training-job/${name}`,
      run.id,
      options.status ?? "Completed",
      stepKey,
    ],
  );
  const jobId = job?.id ?? 0;
  const epochs = options.epochs ?? 3;
  const steps = Array.from({ length: epochs }, (_, i) => i);
  await sql(
    `INSERT INTO metric_point (job_id, name, step, value, timestamp)
     SELECT $1, n, st, v, now() FROM unnest($2::text[], $3::int[], $4::float8[]) AS x(n, st, v)`,
    [
      jobId,
      [...steps.map(() => "train:loss"), ...steps.map(() => "validation:auc")],
      [...steps, ...steps],
      [...steps.map((i) => 1 / (i + 1)), ...steps.map((i) => 0.5 + i * 0.1)],
    ],
  );
  await sql(
    `INSERT INTO run_metric (pipeline_id, run_id, job_id, scope, name, value, run_started_at)
     VALUES ($1, $2, $3, $4, 'validation:auc', 0.7, now())`,
    [pipeline.pipelineId, run.id, jobId, name],
  );
  return { jobId, name };
}

/** History events: one per id, chained through previousEventId. */
export async function seedEvents(
  runId: number,
  events: { id: number; previousId: number | null; type: string; details?: unknown }[],
): Promise<void> {
  await sql(
    `INSERT INTO history_event (run_id, event_id, previous_event_id, type, timestamp, details)
     SELECT $1, i, p, t, now(), d::jsonb FROM unnest($2::int[], $3::int[], $4::text[], $5::text[]) AS x(i, p, t, d)`,
    [
      runId,
      events.map((e) => e.id),
      events.map((e) => e.previousId),
      events.map((e) => e.type),
      events.map((e) => (e.details === undefined ? null : JSON.stringify(e.details))),
    ],
  );
}

/** A 2,000-step run shaped like a big Map: `iterations` iterations of `perIteration` states. */
export function mapRunSteps(iterations: number, perIteration: number, start = new Date(Date.now() - 3_600_000)) {
  const steps: SeededStep[] = [];
  const t = (s: number) => new Date(start.getTime() + s * 1000);
  steps.push({ key: "Prepare", stateName: "Prepare", stateType: "Pass", enteredAt: t(0), exitedAt: t(1) });
  steps.push({ key: "Fan", stateName: "Fan", stateType: "Map", enteredAt: t(1), exitedAt: t(3000) });
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < perIteration; j++) {
      const begin = 1 + i * 2 + j * 10;
      steps.push({
        key: `Fan[${i}]/Work${j}`,
        parentKey: "Fan",
        stateName: `Work${j}`,
        enteredAt: t(begin),
        exitedAt: t(begin + 9),
        mapIterationIndex: i,
        depth: 1,
        status: i % 97 === 5 && j === 0 ? "FAILED" : "SUCCEEDED",
        error: i % 97 === 5 && j === 0 ? "States.TaskFailed" : null,
        attempts: i % 50 === 3 ? 2 : 1,
        input: JSON.stringify({ i, j, payload: "x".repeat(200) }),
      });
    }
  }
  return steps;
}
