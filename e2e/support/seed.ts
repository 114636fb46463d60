/**
 * Specs that need data the demo never produces seed their own pipeline straight into Postgres, in a source the
 * sync never touches (disabled, endpoint on a closed port), named with a random tag so concurrent specs and
 * reruns never share rows. Times are the spec's own fixed instants; only the names are random.
 */
import pg from "pg";
import { e2eEnv } from "./env";

export type SeedDb = {
  query: pg.Client["query"];
  /** The first row of a statement that returns one. */
  one: <T extends pg.QueryResultRow>(text: string, params: unknown[]) => Promise<T>;
};

export const ACCOUNT = "123456789012";

/** Runs `fn` with a connection to the e2e database, closed afterwards. */
export async function withDb<T>(fn: (db: SeedDb) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: e2eEnv().databaseUrl });
  await client.connect();
  try {
    const one = async <R extends pg.QueryResultRow>(text: string, params: unknown[]) =>
      (await client.query<R>(text, params)).rows[0] as R;
    return await fn({ query: client.query.bind(client) as pg.Client["query"], one });
  } finally {
    await client.end();
  }
}

/**
 * A pipeline `<prefix>-<tag>` in a disabled source of its own, owned by the team with slug `team` (none when
 * absent). `executionArn(name)` names its runs as Step Functions would.
 */
export async function seedPipeline(
  db: SeedDb,
  options: { prefix: string; definition: unknown; team?: string },
): Promise<{ tag: string; sourceId: number; pipelineId: number; name: string; executionArn: (run: string) => string }> {
  const tag = Math.random().toString(36).slice(2, 10);
  const name = `${options.prefix}-${tag}`;
  const source = await db.one<{ id: number }>(
    `INSERT INTO aws_source (key, account_id, region, endpoint, enabled, updated_at)
     VALUES ($1, $2, 'eu-west-1', 'http://127.0.0.1:9', false, now()) RETURNING id`,
    [`e2e-${name}`, ACCOUNT],
  );
  const pipeline = await db.one<{ id: number }>(
    `INSERT INTO pipeline (source_id, state_machine_arn, name, team_id, definition, updated_at)
     VALUES ($1, $2, $3, (SELECT id FROM team WHERE slug = $5), $4::jsonb, now()) RETURNING id`,
    [
      source.id,
      `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:${name}`,
      name,
      JSON.stringify(options.definition),
      options.team ?? null,
    ],
  );
  return {
    tag,
    sourceId: source.id,
    pipelineId: pipeline.id,
    name,
    executionArn: (run) => `arn:aws:states:eu-west-1:${ACCOUNT}:execution:${name}:${run}`,
  };
}

export type SeededPipeline = Awaited<ReturnType<typeof seedPipeline>>;

/**
 * A run of a seeded pipeline, with a revision of its own holding `definition`: RUNNING since five minutes ago
 * (the sync would still be following it), or SUCCEEDED an hour ago with its whole history stored. No steps.
 */
export async function seedRun(
  db: SeedDb,
  pipeline: SeededPipeline,
  options: { publicId: string; name: string; definition: unknown; status: "RUNNING" | "SUCCEEDED" },
): Promise<{ runId: number }> {
  const running = options.status === "RUNNING";
  return db.one<{ runId: number }>(
    `WITH rev AS (
       INSERT INTO pipeline_revision (pipeline_id, definition_hash, definition)
       VALUES ($1, $2, $3::jsonb) RETURNING id, pipeline_id)
     INSERT INTO run (public_id, pipeline_id, revision_id, execution_arn, name, status, started_at, stopped_at,
                      history_complete)
     SELECT $4, rev.pipeline_id, rev.id, $5, $6, $7::"RunStatus",
            now() - CASE WHEN $8 THEN interval '5 minutes' ELSE interval '2 hours' END,
            CASE WHEN $8 THEN NULL ELSE now() - interval '1 hour' END, NOT $8
       FROM rev
     RETURNING id AS "runId"`,
    [
      pipeline.pipelineId,
      `e2e-${pipeline.name}-${options.name}`,
      JSON.stringify(options.definition),
      options.publicId,
      pipeline.executionArn(options.name),
      options.name,
      options.status,
      running,
    ],
  );
}

/**
 * A quiet pipeline `<prefix>-<tag>` with one SUCCEEDED run per entry of `runs`, an hour apart from `t0` (20 minutes
 * each), named r0, r1, …, each with the run-level metrics its entry gives. No sync or demo run can change it.
 */
export async function seedMetricPipeline(prefix: string, t0: number, runs: Record<string, number>[]): Promise<number> {
  return withDb(async (db) => {
    const definition = { StartAt: "Train", States: { Train: { Type: "Task", Resource: "x", End: true } } };
    const seeded = await seedPipeline(db, { prefix, definition });
    const revision = await db.one<{ id: number }>(
      "INSERT INTO pipeline_revision (pipeline_id, definition_hash, definition) VALUES ($1, $2, $3::jsonb) RETURNING id",
      [seeded.pipelineId, `${prefix}-${seeded.tag}`, definition],
    );
    for (const [i, metrics] of runs.entries()) {
      const started = new Date(t0 + i * 3_600_000).toISOString();
      const run = await db.one<{ id: number }>(
        `INSERT INTO run (public_id, pipeline_id, revision_id, execution_arn, name, status, started_at, stopped_at,
                          history_complete)
         VALUES ($1, $2, $3, $4, $5, 'SUCCEEDED', $6::timestamptz, $6::timestamptz + interval '20 minutes', true)
         RETURNING id`,
        [`m${seeded.tag}${i}`, seeded.pipelineId, revision.id, seeded.executionArn(`r${i}`), `r${i}`, started],
      );
      for (const [name, value] of Object.entries(metrics)) {
        await db.query(
          `INSERT INTO run_metric (pipeline_id, run_id, scope, name, value, run_started_at)
           VALUES ($1, $2, 'run', $3, $4, $5)`,
          [seeded.pipelineId, run.id, name, value, started],
        );
      }
    }
    return seeded.pipelineId;
  });
}
