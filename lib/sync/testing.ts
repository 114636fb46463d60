/**
 * Shared by the sync tests (not imported by production code): an in-process emulator on a random account
 * (so ARNs never collide with other test files on the shared database), a source row with a random key,
 * a quiet logger, and ordered dumps of everything the sync wrote for one source.
 */
import { randomBytes, randomInt } from "node:crypto";
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import type pg from "pg";
import { expect } from "vitest";
import { pool } from "@/lib/db";
import { catalogue, type EmulatorOptions, type RunningEmulator, startEmulator } from "@/lib/emulator";
import type { AwsSource } from "@/lib/generated/prisma/client";
import type { SyncLogger } from "@/lib/sync/context";
import { deriveSteps } from "@/lib/sync/derive-steps";
import { slugify } from "@/lib/sync/discovery";
import { publicIdFor } from "@/lib/sync/ids";
import { loadSources, upsertSources } from "@/lib/sync/sources";

// The default credentials chain reads these; the emulator accepts any signature.
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";

export const randomAccount = () => String(randomInt(100_000_000, 999_999_999)).padStart(12, "7");

/**
 * The instant every test emulator's back-fill ends at. With a fixed seed and this fixed clock the
 * back-filled history is a pure function of the options, so what a test asserts about its shape (Map
 * iterations, Parallel branches, failures) holds on every run, whatever the date. The random account
 * only keeps ARNs apart on the shared database; it decides nothing a test asserts.
 */
export const TEST_BACKFILL_END = Date.UTC(2026, 5, 15, 12, 0, 0);

/** Every demo pipeline in turn, so a back-fill of n ≥ 4 runs holds each shape (Map, Parallel, Choice, distributed Map). */
export const ALL_DEMO_PIPELINES = catalogue.map((p) => p.name);

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({
    port: 0,
    seed: "sync-tests",
    backfillEnd: TEST_BACKFILL_END,
    backfillPipelines: ALL_DEMO_PIPELINES,
    timeScale: 50_000,
    backfillRuns: 12,
    backfillDays: 10,
    scheduler: false,
    accountId: randomAccount(),
    log: () => undefined,
    ...options,
  });
}

export async function createTestSource(emu: RunningEmulator, extra: { key?: string } = {}): Promise<AwsSource> {
  const key = extra.key ?? `test-${randomBytes(5).toString("hex")}`;
  await upsertSources([{ key, accountId: emu.accountId, region: emu.region, endpoint: emu.url }], pool);
  const [source] = await loadSources({ keys: [key] });
  if (!source) throw new Error("source not stored");
  return source;
}

export async function reloadSource(key: string): Promise<AwsSource> {
  const [source] = await loadSources({ keys: [key] });
  if (!source) throw new Error(`no source ${key}`);
  return source;
}

export type LogLine = { level: string; message: string; context?: Record<string, unknown> };
export function memoryLogger(): SyncLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (message, context) => lines.push({ level: "info", message, context }),
    warn: (message, context) => lines.push({ level: "warn", message, context }),
    error: (message, context) => lines.push({ level: "error", message, context }),
  };
}

export async function adminStats(emu: RunningEmulator): Promise<Record<string, number>> {
  return { ...emu.stats().calls };
}

export async function resetStats(emu: RunningEmulator): Promise<void> {
  await fetch(`${emu.url}/__admin/reset`, { method: "POST" });
}

export type Dump = Record<
  "pipelines" | "revisions" | "runs" | "events" | "steps" | "jobs" | "metrics" | "points",
  unknown[]
>;

/**
 * Every row the sync wrote for one source, ordered by natural keys, as JSON text. `withIds` keeps surrogate
 * ids (same-database replays must not even renumber); without, ids are replaced by natural keys so two
 * syncs from scratch compare equal. Wall-clock bookkeeping (synced_at, next_poll_at, created/updated_at,
 * first_seen_at, recorded_at) is left out unless `wallClock`.
 */
export async function dumpSource(
  sourceId: number,
  options: { withIds?: boolean; wallClock?: boolean; db?: pg.Pool } = {},
): Promise<Dump> {
  const db = options.db ?? pool;
  const ids = options.withIds ?? false;
  const wall = options.wallClock ?? false;
  const q = async (text: string) => (await db.query(text, [sourceId])).rows;
  const pipelines = await q(
    `SELECT ${ids ? "p.id, p.revision_id," : ""} p.state_machine_arn, p.name, p.type, p.status, p.description,
            t.slug AS team, p.tags, p.definition, rev.definition_hash AS current_revision, p.headline_metric,
            p.aws_created_at, p.last_run_at, p.version ${wall ? ", p.created_at, p.updated_at" : ""}
       FROM pipeline p LEFT JOIN team t ON t.id = p.team_id LEFT JOIN pipeline_revision rev ON rev.id = p.revision_id
      WHERE p.source_id = $1 ORDER BY p.state_machine_arn`,
  );
  const revisions = await q(
    `SELECT ${ids ? "rev.id," : ""} p.state_machine_arn, rev.aws_revision_id, rev.definition_hash, rev.definition
            ${wall ? ", rev.first_seen_at" : ""}
       FROM pipeline_revision rev JOIN pipeline p ON p.id = rev.pipeline_id
      WHERE p.source_id = $1 ORDER BY p.state_machine_arn, rev.definition_hash`,
  );
  const runs = await q(
    `SELECT ${ids ? "r.id, r.pipeline_id, r.revision_id," : ""} r.public_id, r.execution_arn, r.name, r.status,
            r.started_at, r.stopped_at, r.input, r.output, r.error, r.cause, r.redrive_count, r.redrive_date,
            r.redrive_status, r.last_event_id, r.history_complete, r.step_count, r.version,
            rev.definition_hash AS revision ${wall ? ", r.synced_at, r.created_at" : ""}
       FROM run r JOIN pipeline p ON p.id = r.pipeline_id LEFT JOIN pipeline_revision rev ON rev.id = r.revision_id
      WHERE p.source_id = $1 ORDER BY r.execution_arn`,
  );
  const events = await q(
    `SELECT r.execution_arn, e.event_id, e.previous_event_id, e.type, e.timestamp, e.details
       FROM history_event e JOIN run r ON r.id = e.run_id JOIN pipeline p ON p.id = r.pipeline_id
      WHERE p.source_id = $1 ORDER BY r.execution_arn, e.event_id`,
  );
  const steps = await q(
    `SELECT ${ids ? "s.id, s.run_id," : ""} r.execution_arn, s.key, s.parent_key, s.state_name, s.state_type,
            s.status, s.entered_at, s.exited_at, s.entered_event_id, s.exited_event_id, s.attempts,
            s.map_iteration_index, s.parallel_branch_index, s.depth, s.resource, s.resource_type, s.input, s.output,
            s.error, s.cause, s.job_name, s.job_arn
       FROM step s JOIN run r ON r.id = s.run_id JOIN pipeline p ON p.id = r.pipeline_id
      WHERE p.source_id = $1 ORDER BY r.execution_arn, s.key`,
  );
  const jobs = await q(
    `SELECT ${ids ? "j.id, j.run_id, j.step_id," : ""} j.arn, j.kind, j.name, r.execution_arn, s.key AS step_key,
            j.status, j.secondary_status, j.status_transitions, j.failure_reason, j.hyper_parameters,
            j.algorithm_image, j.objective_metric, j.instance_type, j.instance_count, j.volume_size_gb, j.inputs,
            j.outputs, j.artifact_uri, j.billable_seconds, j.job_created_at, j.started_at, j.ended_at, j.version
            ${wall ? ", j.synced_at" : ""}
       FROM sagemaker_job j LEFT JOIN run r ON r.id = j.run_id LEFT JOIN step s ON s.id = j.step_id
      WHERE j.source_id = $1 ORDER BY j.arn`,
  );
  const metrics = await q(
    `SELECT ${ids ? "m.id, m.job_id," : ""} r.execution_arn, m.scope, m.name, m.value, m.run_started_at
            ${wall ? ", m.recorded_at" : ""}
       FROM run_metric m JOIN run r ON r.id = m.run_id JOIN pipeline p ON p.id = r.pipeline_id
      WHERE p.source_id = $1 ORDER BY r.execution_arn, m.scope, m.name`,
  );
  const points = await q(
    `SELECT j.arn, mp.name, mp.step, mp.value, mp.timestamp
       FROM metric_point mp JOIN sagemaker_job j ON j.id = mp.job_id
      WHERE j.source_id = $1 ORDER BY j.arn, mp.name, mp.step`,
  );
  return { pipelines, revisions, runs, events, steps, jobs, metrics, points };
}

/** Row counts of a dump, for readable assertion messages. */
export const counts = (dump: Dump) => Object.fromEntries(Object.entries(dump).map(([k, v]) => [k, v.length]));

export async function deleteSource(sourceId: number): Promise<void> {
  await pool.query("DELETE FROM aws_source WHERE id = $1", [sourceId]);
}

export function sdkClient(emu: RunningEmulator): SFNClient {
  return new SFNClient({
    endpoint: emu.url,
    region: emu.region,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
}

export async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const r = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(r.events ?? []));
    nextToken = r.nextToken;
  } while (nextToken);
  return events;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const stored = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** Compares every pipeline, run, event and step of the source with what the emulator's API says. */
export async function expectMatchesEmulator(sfn: SFNClient, source: { id: number }) {
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({ maxResults: 1000 }));
  const pipelines = await pool.query(
    `SELECT p.id, p.state_machine_arn, p.name, p.definition, p.tags, p.headline_metric, t.slug AS team, p.revision_id
       FROM pipeline p LEFT JOIN team t ON t.id = p.team_id WHERE p.source_id = $1 ORDER BY p.state_machine_arn`,
    [source.id],
  );
  expect(pipelines.rows.map((p) => p.state_machine_arn)).toEqual(stateMachines.map((m) => m.stateMachineArn).sort());
  let runsChecked = 0;
  for (const p of pipelines.rows) {
    const d = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: p.state_machine_arn }));
    const definition = JSON.parse(d.definition ?? "{}");
    expect(p.definition).toEqual(definition);
    const { tags = [] } = await sfn.send(new ListTagsForResourceCommand({ resourceArn: p.state_machine_arn }));
    const tagMap = Object.fromEntries(tags.map((t) => [t.key, t.value]));
    expect(p.tags).toEqual(tagMap);
    expect(p.team).toBe(tagMap.team ? slugify(tagMap.team) : null);
    expect(p.headline_metric).toBe(tagMap["stepwise:headline-metric"] ?? null);
    expect(p.revision_id).not.toBeNull();

    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: p.state_machine_arn, maxResults: 1000 }),
    );
    const runs = await pool.query(`SELECT * FROM run WHERE pipeline_id = $1 ORDER BY started_at DESC, id DESC`, [p.id]);
    expect(runs.rows.map((r) => r.execution_arn).sort()).toEqual(executions.map((x) => x.executionArn).sort());
    for (const run of runs.rows) {
      const x = await sfn.send(new DescribeExecutionCommand({ executionArn: run.execution_arn }));
      expect(
        {
          status: run.status,
          startedAt: stored(run.started_at),
          stoppedAt: stored(run.stopped_at),
          input: run.input,
          output: run.output,
          error: run.error,
          cause: run.cause,
          redriveCount: run.redrive_count,
          redriveStatus: run.redrive_status,
          publicId: run.public_id,
        },
        run.execution_arn,
      ).toEqual({
        status: x.status,
        startedAt: iso(x.startDate),
        stoppedAt: iso(x.stopDate),
        input: x.input ?? null,
        output: x.output ?? null,
        error: x.error ?? null,
        cause: x.cause ?? null,
        redriveCount: x.redriveCount ?? 0,
        redriveStatus: x.redriveStatus ?? null,
        publicId: publicIdFor(run.execution_arn),
      });
      const events = await historyOf(sfn, run.execution_arn);
      expect(run.last_event_id).toBe(events.length);
      expect(run.history_complete).toBe(x.status !== "RUNNING");
      const storedEvents = await pool.query(
        `SELECT event_id, type, previous_event_id FROM history_event WHERE run_id = $1 ORDER BY event_id`,
        [run.id],
      );
      expect(storedEvents.rows.map((e) => [e.event_id, e.type, e.previous_event_id])).toEqual(
        events.map((e) => [e.id, e.type, e.previousEventId ?? null]),
      );
      const rev = await pool.query("SELECT definition FROM pipeline_revision WHERE id = $1", [run.revision_id]);
      const expected = deriveSteps(events, { definition: rev.rows[0]?.definition }).steps;
      const steps = await pool.query(
        `SELECT key, parent_key, state_name, state_type, status, entered_event_id, exited_event_id, attempts,
                map_iteration_index, parallel_branch_index, depth, job_name, job_arn, entered_at, exited_at, output
           FROM step WHERE run_id = $1 ORDER BY entered_event_id, key`,
        [run.id],
      );
      expect(run.step_count).toBe(expected.length);
      expect(
        steps.rows.map((s) => ({ ...s, entered_at: stored(s.entered_at), exited_at: stored(s.exited_at) })),
      ).toEqual(
        [...expected]
          .sort((a, b) => a.enteredEventId - b.enteredEventId || (a.key < b.key ? -1 : 1))
          .map((s) => ({
            key: s.key,
            parent_key: s.parentKey,
            state_name: s.stateName,
            state_type: s.stateType,
            status: s.status,
            entered_event_id: s.enteredEventId,
            exited_event_id: s.exitedEventId,
            attempts: s.attempts,
            map_iteration_index: s.mapIterationIndex,
            parallel_branch_index: s.parallelBranchIndex,
            depth: s.depth,
            job_name: s.jobName,
            job_arn: s.jobArn,
            entered_at: iso(s.enteredAt),
            exited_at: iso(s.exitedAt),
            output: s.output,
          })),
      );
      runsChecked++;
    }
  }
  return runsChecked;
}

/**
 * Live events announcing something of this source (its runs, pipelines and model groups) written after
 * `afterId`. Other test files write live events on the same database at the same time, so a test that
 * says "nothing was announced" counts only its own source's.
 */
export async function liveEventsOfSource(sourceId: number, afterId: bigint | string = "0"): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM live_event e
      WHERE e.id > $2::bigint
        AND (   (e.kind IN ('run', 'step') AND e.entity_id IN (
                   SELECT r.public_id FROM run r JOIN pipeline p ON p.id = r.pipeline_id WHERE p.source_id = $1))
             OR (e.kind = 'pipeline' AND e.entity_id IN (SELECT p.id::text FROM pipeline p WHERE p.source_id = $1))
             OR (e.kind = 'model' AND e.entity_id IN (SELECT g.id::text FROM model_group g WHERE g.source_id = $1)))`,
    [sourceId, String(afterId)],
  );
  return rows[0]?.n ?? 0;
}

export async function lastLiveEventId(): Promise<string> {
  const { rows } = await pool.query<{ id: string }>("SELECT coalesce(max(id), 0)::text AS id FROM live_event");
  return rows[0]?.id ?? "0";
}

// ── The sync's emulator tests' shared setup (degrade, eventbridge, resilience, scale, sync, and the emulator's
// own stop/redrive tests): one emulator per test file, a pass over a source as stored now, the flaky Parallel.
import { afterAll } from "vitest";
import { runSourcePass } from "./pass";

/**
 * An emulator for the whole test file: started now (`const emu = await startFileEmulator(…)` at the top
 * level) and stopped after the file's last test.
 */
export async function startFileEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emu = await startTestEmulator(options);
  afterAll(() => emu.stop());
  return emu;
}

/**
 * One pass over the source as it is stored now (the cursors, backoffs and lease earlier passes left), with a
 * fresh memory logger unless the options bring one.
 */
export async function runPass(source: { key: string }, options: Parameters<typeof runSourcePass>[1] = {}) {
  return runSourcePass(await reloadSource(source.key), { log: memoryLogger(), ...options });
}

/**
 * Prepare (Pass) → Fan (Parallel: a quick Pass, and a Lambda task "flaky" whose fate the test decides in
 * the emulator's manual task mode) → Finish: the machine the stop and redrive tests drive. `retry`: the
 * flaky task's Retry, if any.
 */
export function flakyFanDefinition(retry?: { ErrorEquals: string[]; MaxAttempts: number; IntervalSeconds: number }[]) {
  const flaky = {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: "flaky", "Payload.$": "$" },
  };
  return JSON.stringify({
    StartAt: "Prepare",
    States: {
      Prepare: { Type: "Pass", Result: { ok: true }, ResultPath: "$.prepared", Next: "Fan" },
      Fan: {
        Type: "Parallel",
        Branches: [
          { StartAt: "Quick", States: { Quick: { Type: "Pass", End: true } } },
          { StartAt: "Flaky", States: { Flaky: { ...flaky, ...(retry ? { Retry: retry } : {}), End: true } } },
        ],
        Next: "Finish",
      },
      Finish: { Type: "Succeed" },
    },
  });
}

/**
 * The CloudWatch GetMetricData query for one metric of a training job's first host, as the sync asks for it
 * (lib/sync/sagemaker/metric-series.ts) for a window younger than 3 hours: Period 1. What the emulator's tests
 * send, with their own Period for older windows.
 */
export function hostMetricQuery<M extends string | undefined>(job: string, metric: M) {
  const Dimensions = [{ Name: "Host", Value: `${job}/algo-1` }];
  return {
    Id: "m0",
    MetricStat: {
      Metric: { Namespace: "/aws/sagemaker/TrainingJobs", MetricName: metric, Dimensions },
      Period: 1,
      Stat: "Average",
    },
  };
}

// ─────────── an emulator, its source and an API token: tests of routes over synced runs ───────────

export type TestApiSource = {
  emu: RunningEmulator;
  source: AwsSource;
  /** The Authorization header of an API token of a user in no team (reads are open to every user). */
  auth: Record<string, string>;
  /** Stops the emulator and deletes the source (and so everything synced from it). */
  stop: () => Promise<void>;
};

export async function startTestApiSource(options: EmulatorOptions = {}): Promise<TestApiSource> {
  // Imported here, not at the top, so this block stays one piece of the file.
  const { createTestToken, createTestUser } = await import("@/lib/auth/testing");
  const emu = await startTestEmulator(options);
  const source = await createTestSource(emu);
  const { user } = await createTestUser({ teams: [] });
  const { token } = await createTestToken({ userId: user.id });
  return {
    emu,
    source,
    auth: { authorization: `Bearer ${token}` },
    stop: async () => {
      await emu.stop();
      await deleteSource(source.id);
    },
  };
}
