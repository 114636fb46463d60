/**
 * History and metric ingest throughput into Postgres through the sync's bulk paths:
 *   - history events: lib/sync/history.ts insertHistoryEvents (COPY for new events), alone and with the
 *     per-run step derivation + step upsert that follows it in a real sync;
 *   - metric points: lib/sync/sagemaker/write-points.ts upsertMetricPoints (unnest arrays, 10,000 per
 *     statement), one transaction per job as the SageMaker module writes them.
 * Prints events/s and points/s. `npx tsx bench/ingest.ts [--events=200000] [--points=500000]`;
 * `measureIngest(pool)` is what `npm run bench` folds in. Uses DATABASE_URL or an embedded Postgres in
 * STEPWISE_DATA_DIR (default .data/bench-ingest); everything it writes is deleted afterwards.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import type pg from "pg";

export type IngestFigures = {
  events: number;
  eventsPerSecond: number;
  eventsWithStepsPerSecond: number;
  points: number;
  pointsPerSecond: number;
};

/** A realistic history: a chain of SageMaker/Lambda task states with a few hundred bytes of details each. */
function syntheticHistory(eventCount: number, start: number): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const at = (i: number) => new Date(start + i * 1000);
  const push = (e: Omit<HistoryEvent, "id" | "previousEventId" | "timestamp">) => {
    const id = events.length + 1;
    events.push({ ...e, id, previousEventId: id - 1, timestamp: at(id) } as HistoryEvent);
  };
  push({ type: "ExecutionStarted", executionStartedEventDetails: { input: '{"market":"de"}', roleArn: "arn:role" } });
  let state = 0;
  while (events.length + 6 < eventCount) {
    const name = `Step${state++}`;
    const payload = JSON.stringify({ step: name, rows: 123_456, metrics: { auc: 0.91, loss: 0.123 } });
    push({ type: "TaskStateEntered", stateEnteredEventDetails: { name, input: payload } });
    push({
      type: "TaskScheduled",
      taskScheduledEventDetails: {
        resource: "createTrainingJob.sync",
        resourceType: "sagemaker",
        region: "eu-west-1",
        parameters: JSON.stringify({ TrainingJobName: `job-${name}`, HyperParameters: { eta: "0.1", depth: "6" } }),
      },
    });
    push({
      type: "TaskStarted",
      taskStartedEventDetails: { resource: "createTrainingJob.sync", resourceType: "sagemaker" },
    });
    push({
      type: "TaskSucceeded",
      taskSucceededEventDetails: { resource: "createTrainingJob.sync", resourceType: "sagemaker", output: payload },
    });
    push({ type: "TaskStateExited", stateExitedEventDetails: { name, output: payload } });
  }
  push({ type: "ExecutionSucceeded", executionSucceededEventDetails: { output: "{}" } });
  return events;
}

export async function measureIngest(
  db: pg.Pool,
  options: { events?: number; points?: number; log?: (line: string) => void } = {},
): Promise<IngestFigures> {
  const { insertHistoryEvents, loadStoredEvents, writeSteps } = await import("@/lib/sync/history");
  const { upsertMetricPoints } = await import("@/lib/sync/sagemaker/write-points");
  const { deriveSteps } = await import("@/lib/sync/derive-steps");
  const totalEvents = options.events ?? 200_000;
  const totalPoints = options.points ?? 500_000;
  const perRun = 1_000;
  const runs = Math.max(1, Math.round(totalEvents / perRun));
  const log = options.log ?? (() => undefined);
  const key = `bench-ingest-${randomBytes(4).toString("hex")}`;
  const account = String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));
  const { rows: src } = await db.query<{ id: number }>(
    `INSERT INTO aws_source (key, account_id, region, updated_at) VALUES ($1, $2, 'eu-west-1', now()) RETURNING id`,
    [key, account],
  );
  const sourceId = src[0]?.id as number;
  try {
    const { rows: pipe } = await db.query<{ id: number }>(
      `INSERT INTO pipeline (source_id, state_machine_arn, name, definition, updated_at)
       VALUES ($1, $2, 'bench', '{"StartAt":"Step0","States":{}}', now()) RETURNING id`,
      [sourceId, `arn:aws:states:eu-west-1:${account}:stateMachine:${key}`],
    );
    const pipelineId = pipe[0]?.id as number;
    const { rows: runRows } = await db.query<{ id: number }>(
      `INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at)
       SELECT $2 || '-' || i, $1, $3 || i, 'r' || i, 'SUCCEEDED', now() FROM generate_series(1, $4) i RETURNING id`,
      [pipelineId, key, `arn:aws:states:eu-west-1:${account}:execution:${key}:`, runs * 2],
    );
    const histories = Array.from({ length: runs }, (_, i) =>
      syntheticHistory(perRun, Date.UTC(2026, 0, 1) + i * 3_600_000),
    );
    const events = histories.reduce((n, h) => n + h.length, 0);

    // 1. Raw events only (the bulk insert), one run at a time as the sync does.
    let started = performance.now();
    for (let i = 0; i < runs; i++) await insertHistoryEvents(db, runRows[i]?.id as number, histories[i] ?? []);
    const eventsPerSecond = events / ((performance.now() - started) / 1000);
    log(`history events: ${events} in ${((performance.now() - started) / 1000).toFixed(2)} s`);

    // 2. The whole per-run write of a sync: events + reading them back + derivation + step upsert, in a transaction.
    started = performance.now();
    for (let i = 0; i < runs; i++) {
      const runId = runRows[runs + i]?.id as number;
      const client = await db.connect();
      try {
        await client.query("BEGIN");
        await insertHistoryEvents(client, runId, histories[i] ?? []);
        const stored = await loadStoredEvents(client, runId);
        await writeSteps(client, runId, deriveSteps(stored).steps);
        await client.query("COMMIT");
      } finally {
        client.release();
      }
    }
    const eventsWithStepsPerSecond = events / ((performance.now() - started) / 1000);

    // 3. Metric points, 10,000 per statement (the SageMaker module's chunk size).
    const jobs = 50;
    const { rows: jobRows } = await db.query<{ id: number }>(
      `INSERT INTO sagemaker_job (source_id, kind, name, arn, status)
       SELECT $1, 'TRAINING', $2 || '-' || i, $3 || i, 'Completed' FROM generate_series(1, $4) i RETURNING id`,
      [sourceId, key, `arn:aws:sagemaker:eu-west-1:${account}:training-job/${key}-`, jobs],
    );
    const perJob = Math.ceil(totalPoints / jobs);
    const names = ["train:loss", "validation:loss", "validation:auc", "validation:pr_auc"];
    started = performance.now();
    let points = 0;
    for (const job of jobRows) {
      const rows: [number, string, number, number, string][] = [];
      for (let p = 0; p < perJob; p++) {
        rows.push([
          job.id,
          names[p % names.length] as string,
          Math.floor(p / names.length),
          ((p * 7919) % 1000) / 1000,
          new Date(Date.UTC(2026, 0, 1) + p * 1000).toISOString(),
        ]);
      }
      const client = await db.connect();
      try {
        await client.query("BEGIN");
        await upsertMetricPoints(client, rows);
        await client.query("COMMIT");
      } finally {
        client.release();
      }
      points += rows.length;
    }
    const pointsPerSecond = points / ((performance.now() - started) / 1000);
    return {
      events,
      eventsPerSecond: Math.round(eventsPerSecond),
      eventsWithStepsPerSecond: Math.round(eventsWithStepsPerSecond),
      points,
      pointsPerSecond: Math.round(pointsPerSecond),
    };
  } finally {
    await db.query("DELETE FROM aws_source WHERE id = $1", [sourceId]);
  }
}

async function main() {
  const arg = (name: string) => {
    const a = process.argv.find((x) => x.startsWith(`--${name}=`));
    return a ? Number(a.split("=")[1]) : undefined;
  };
  process.env.STEPWISE_DATA_DIR ??= ".data/bench-ingest";
  const { resolveDatabase, redactUrl } = await import("@/lib/runtime/database");
  const { migrate } = await import("@/lib/db/migrate");
  const database = await resolveDatabase();
  process.env.DATABASE_URL = database.url;
  const { default: pgModule } = await import("pg");
  const pool = new pgModule.Pool({ connectionString: database.url, max: 4 });
  try {
    console.log(`[bench:ingest] database ${redactUrl(database.url)}`);
    await migrate({ databaseUrl: database.url });
    const f = await measureIngest(pool, {
      events: arg("events"),
      points: arg("points"),
      log: (l) => console.log(`[bench:ingest] ${l}`),
    });
    console.log(
      `[bench:ingest] history events (bulk insert):            ${f.eventsPerSecond.toLocaleString("en")} events/s (${f.events.toLocaleString("en")} events)`,
    );
    console.log(
      `[bench:ingest] history events + derive + step upsert:     ${f.eventsWithStepsPerSecond.toLocaleString("en")} events/s`,
    );
    console.log(
      `[bench:ingest] metric points (bulk upsert):               ${f.pointsPerSecond.toLocaleString("en")} points/s (${f.points.toLocaleString("en")} points)`,
    );
  } finally {
    await pool.end();
    await database.stop();
  }
}

// Run directly (not when imported by the bench harness); re-exec under "react-server" for the server-only modules.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!import.meta.resolve("server-only").endsWith("/empty.js")) {
    const child = spawn(
      process.execPath,
      ["--conditions=react-server", "--import", "tsx", process.argv[1], ...process.argv.slice(2)],
      { stdio: "inherit" },
    );
    child.on("exit", (code) => process.exit(code ?? 1));
  } else {
    await main();
  }
}
