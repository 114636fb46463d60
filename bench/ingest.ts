/**
 * History and metric ingest throughput into Postgres through the sync's bulk paths:
 *   - history events: lib/sync/history.ts insertHistoryEvents (binary COPY for new events), alone and with the
 *     per-run step derivation + step upsert that follows it in a real sync, two runs at a time as the sync
 *     writes them (see LANES; the one-at-a-time bulk figure is printed beside it);
 *   - metric points: lib/sync/sagemaker/write-points.ts upsertMetricPoints (unnest arrays, 10,000 per
 *     statement), one transaction per job as the SageMaker module writes them.
 * Prints events/s and points/s. `npx tsx bench/ingest.ts [--events=200000] [--points=500000]`;
 * `measureIngest(pool)` is what `npm run bench` folds in. Uses DATABASE_URL or an embedded Postgres in
 * STEPWISE_DATA_DIR (default .data/bench-ingest); everything it writes is deleted afterwards and the tables it
 * wrote are VACUUMed (ANALYZE), so whatever is measured next reads them as they were.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import type pg from "pg";

export type IngestFigures = {
  events: number;
  eventsPerSecond: number;
  /** The same bulk insert with one run at a time (no overlap), for comparison. */
  eventsPerSecondOneLane: number;
  eventsWithStepsPerSecond: number;
  lanes: number;
  points: number;
  pointsPerSecond: number;
};

/**
 * Runs written at once, each on its own connection. The sync writes up to 4 executions at a time (lib/sync/pass.ts:
 * eachLimited(…, CONCURRENCY = 4) over the open runs and over the pipelines, one execution at a time within a
 * pipeline), so the bench writes two runs of two different pipelines at a time: Node encodes one run's events
 * while Postgres stores the other's, and one run's commit (its WAL flush) overlaps the other's work.
 */
const LANES = 2;

/** Calls `work(i)` for i in [0, count) with at most `lanes` calls in flight, in order of i. */
async function inLanes(count: number, lanes: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

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
    // One pipeline per lane: the sync's concurrent writes are of different pipelines' executions.
    const { rows: pipes } = await db.query<{ id: number }>(
      `INSERT INTO pipeline (source_id, state_machine_arn, name, definition, updated_at)
       SELECT $1, $2 || i, 'bench', '{"StartAt":"Step0","States":{}}', now() FROM generate_series(1, $3) i
       RETURNING id`,
      [sourceId, `arn:aws:states:eu-west-1:${account}:stateMachine:${key}-`, LANES],
    );
    // Three sets of fresh runs (one per measurement), run i of a set in pipeline i mod LANES.
    const { rows: runRows } = await db.query<{ id: number }>(
      `INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at)
       SELECT $2 || '-' || i, ($1::int[])[1 + i % $5], $3 || i, 'r' || i, 'SUCCEEDED', now()
         FROM generate_series(0, $4 - 1) i ORDER BY i RETURNING id`,
      [pipes.map((p) => p.id), key, `arn:aws:states:eu-west-1:${account}:execution:${key}:`, runs * 3, LANES],
    );
    const runId = (set: number, i: number) => runRows[set * runs + i]?.id as number;
    const histories = Array.from({ length: runs }, (_, i) =>
      syntheticHistory(perRun, Date.UTC(2026, 0, 1) + i * 3_600_000),
    );
    const events = histories.reduce((n, h) => n + h.length, 0);
    const rate = (since: number) => events / ((performance.now() - since) / 1000);

    // 1. Raw events only (the bulk insert, autocommit per run), one run at a time and then in lanes.
    let started = performance.now();
    for (let i = 0; i < runs; i++) await insertHistoryEvents(db, runId(0, i), histories[i] ?? []);
    const eventsPerSecondOneLane = rate(started);
    started = performance.now();
    await inLanes(runs, LANES, (i) => insertHistoryEvents(db, runId(1, i), histories[i] ?? []).then(() => undefined));
    const eventsPerSecond = rate(started);
    log(
      `history events: ${events} at ${Math.round(eventsPerSecondOneLane)}/s (1 lane), ${Math.round(eventsPerSecond)}/s (${LANES} lanes)`,
    );

    // 2. The whole per-run write of a sync (lib/sync/runs.ts writeExecution), in a transaction per run: events,
    //    derivation, step upsert. As there, a first sync derives from the events in hand (every event was new:
    //    inserted === events.length) and only reads the stored history back otherwise.
    started = performance.now();
    await inLanes(runs, LANES, async (i) => {
      const id = runId(2, i);
      const history = histories[i] ?? [];
      const client = await db.connect();
      try {
        await client.query("BEGIN");
        const inserted = await insertHistoryEvents(client, id, history);
        const all = inserted === history.length ? history : await loadStoredEvents(client, id);
        await writeSteps(client, id, deriveSteps(all).steps);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    });
    const eventsWithStepsPerSecond = rate(started);
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
      eventsPerSecondOneLane: Math.round(eventsPerSecondOneLane),
      eventsWithStepsPerSecond: Math.round(eventsWithStepsPerSecond),
      lanes: LANES,
      points,
      pointsPerSecond: Math.round(pointsPerSecond),
    };
  } finally {
    // Everything written goes with the source (pipelines, runs and their events and steps, jobs and their points).
    await db.query("DELETE FROM aws_source WHERE id = $1", [sourceId]);
    // The modules measured after this one read these tables: leave them vacuumed (the dead rows of what was just
    // deleted gone, the visibility map set for index-only scans) and analysed, as the seed left them.
    await db.query(
      "VACUUM (ANALYZE) history_event, step, run, pipeline, aws_source, sagemaker_job, metric_point, metric_rollup",
    );
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
      `[bench:ingest] history events (bulk insert):            ${f.eventsPerSecond.toLocaleString("en")} events/s (${f.events.toLocaleString("en")} events, ${f.lanes} runs at a time; one at a time ${f.eventsPerSecondOneLane.toLocaleString("en")})`,
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
