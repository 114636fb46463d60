/**
 * Degrade, never drop: with an optional AWS permission missing, a pass stores everything it can read,
 * says plainly what it could not (job panel, /api/health's sync status, one log line per source and
 * hour), and does not ask again for what will not change within its backoff. Real emulator (denials
 * injected as AccessDeniedException), real SDK clients, real Postgres; every pass runs at a fixed `now`.
 */
import {
  DescribeTrainingJobCommand,
  ListModelCardsCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
  type TrainingJobSummary,
} from "@aws-sdk/client-sagemaker";
import { ListStateMachinesCommand } from "@aws-sdk/client-sfn";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import type { RunningEmulator } from "@/lib/emulator";
import { getRun } from "@/lib/runs/queries";
import { MAX_ATTEMPTS } from "./degrade";
import { EXPRESS_NOTE } from "./discovery";
import { runSourcePass } from "./pass";
import { getSyncHealth } from "./status";
import {
  createTestSource,
  deleteSource,
  memoryLogger,
  resetStats,
  runPass,
  sdkClient,
  startTestEmulator,
} from "./testing";

let emu: RunningEmulator;
let sm: SageMakerClient;

// A fresh emulator (and account) per test: its faults, call counts and client-side token buckets (keyed
// by account) are that test's alone.
beforeEach(async () => {
  emu = await startTestEmulator({ backfillRuns: 8 });
  sm = new SageMakerClient({
    endpoint: emu.url,
    region: emu.region,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
});
afterEach(async () => {
  sm?.destroy();
  await emu?.stop();
});

/** The fixed instant the passes of a test run at. */
const T0 = new Date(Date.UTC(2026, 5, 15, 13, 0, 0));
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

async function trainingJobs(): Promise<TrainingJobSummary[]> {
  const all: TrainingJobSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sm.send(new ListTrainingJobsCommand({ MaxResults: 100, NextToken }));
    all.push(...(page.TrainingJobSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return all;
}

describe("CloudWatch GetMetricData denied", () => {
  it("stores every training job, its final metrics and the metric-evolution series, and stops asking CloudWatch", async () => {
    const source = await createTestSource(emu);
    emu.setFaults({ "cloudwatch:GetMetricData": { deny: true } });
    const log = memoryLogger();
    try {
      const first = await runSourcePass(source, { full: true, log, now: T0 });
      expect(first.failures, JSON.stringify(log.lines.filter((l) => l.level !== "info"))).toBe(0);

      // Every training job the account has is stored, with what DescribeTrainingJob says.
      const expected = await trainingJobs();
      expect(expected.length).toBeGreaterThan(3);
      const stored = await pool.query(
        `SELECT j.id, j.name, j.status, j.run_id, j.step_id, j.billable_seconds, j.series_state, j.series_reason
           FROM sagemaker_job j WHERE j.source_id = $1 AND j.kind = 'TRAINING' ORDER BY j.name`,
        [source.id],
      );
      expect(stored.rows.map((r) => r.name)).toEqual(expected.map((j) => j.TrainingJobName).sort());
      for (const row of stored.rows) {
        const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: row.name }));
        expect(row.status).toBe(d.TrainingJobStatus);
        expect(row.run_id).not.toBeNull();
        expect(row.step_id).not.toBeNull();
        expect(row.billable_seconds).toBe(d.BillableTimeInSeconds ?? null);
        // Every final metric, per job.
        const metrics = await pool.query(
          "SELECT name, value FROM run_metric WHERE job_id = $1 AND scope = $2 ORDER BY name",
          [row.id, row.name],
        );
        expect(metrics.rows).toEqual(
          (d.FinalMetricDataList ?? [])
            .map((m) => ({ name: m.MetricName, value: m.Value }))
            .sort((a, b) => String(a.name).localeCompare(String(b.name))),
        );
        // The per-epoch series is marked unavailable, naming the missing IAM action.
        expect(row.series_state).toBe("UNAVAILABLE");
        expect(row.series_reason).toMatch(/cloudwatch:GetMetricData/);
      }
      // The metric-evolution series (run-level final metrics) exists for every run with a completed training job.
      const evolution = await pool.query(
        `SELECT count(DISTINCT j.run_id)::int AS runs,
                (SELECT count(DISTINCT m.run_id)::int FROM run_metric m JOIN run r ON r.id = m.run_id
                   JOIN pipeline p ON p.id = r.pipeline_id WHERE p.source_id = $1 AND m.scope = 'run') AS with_series
           FROM sagemaker_job j WHERE j.source_id = $1 AND j.kind = 'TRAINING' AND j.status = 'Completed'`,
        [source.id],
      );
      expect(evolution.rows[0].runs).toBeGreaterThan(0);
      expect(evolution.rows[0].with_series).toBe(evolution.rows[0].runs);
      // Every run is complete: nothing of it depends on CloudWatch.
      const open = await pool.query(
        `SELECT count(*)::int AS n FROM run r JOIN pipeline p ON p.id = r.pipeline_id
          WHERE p.source_id = $1 AND NOT r.history_complete AND r.status <> 'RUNNING'`,
        [source.id],
      );
      expect(open.rows[0].n).toBe(0);

      // Said plainly: one warning naming the action, and the gap in the sync status.
      const named = log.lines.filter(
        (l) => l.level === "warn" && JSON.stringify(l).includes("cloudwatch:GetMetricData"),
      );
      expect(named).toHaveLength(1);
      const health = await getSyncHealth();
      const mine = health.sources.find((s) => s.key === source.key);
      expect(mine?.gaps).toEqual([expect.objectContaining({ action: "cloudwatch:GetMetricData", reason: "denied" })]);

      // A second pass within the backoff window makes no CloudWatch call and logs nothing new about it.
      await resetStats(emu);
      emu.setFaults({ "cloudwatch:GetMetricData": { deny: true } });
      const second = await runPass(source, { full: false, log, now: minutes(5) });
      expect(second.failures).toBe(0);
      expect(emu.stats().calls["cloudwatch:GetMetricData"] ?? 0).toBe(0);
      expect(log.lines.filter((l) => JSON.stringify(l).includes("cloudwatch:GetMetricData"))).toHaveLength(1);

      // The permission is granted: after the backoff the probe succeeds and every series is fetched.
      emu.setFaults({});
      await runPass(source, { full: false, log, now: minutes(20) });
      await runPass(source, { full: false, log, now: minutes(21) });
      const after = await pool.query(
        `SELECT j.series_state, count(*)::int AS jobs, sum((SELECT count(*) FROM metric_point p WHERE p.job_id = j.id))::int AS points
           FROM sagemaker_job j WHERE j.source_id = $1 AND j.kind = 'TRAINING' GROUP BY j.series_state`,
        [source.id],
      );
      expect(after.rows).toEqual([{ series_state: "COMPLETE", jobs: expected.length, points: expect.any(Number) }]);
      expect(after.rows[0].points).toBeGreaterThan(expected.length);
      expect((await getSyncHealth()).sources.find((s) => s.key === source.key)?.gaps).toEqual([]);
    } finally {
      emu.setFaults({});
      await deleteSource(source.id);
    }
  });
});

/** Runs of the source with their completion, for "every run is still stored and complete" checks. */
async function runsOf(sourceId: number) {
  const { rows } = await pool.query<{ arn: string; status: string; complete: boolean; steps: number; events: number }>(
    `SELECT r.execution_arn AS arn, r.status, r.history_complete AS complete, r.step_count AS steps,
            (SELECT count(*)::int FROM history_event e WHERE e.run_id = r.id) AS events
       FROM run r JOIN pipeline p ON p.id = r.pipeline_id WHERE p.source_id = $1 ORDER BY r.execution_arn`,
    [sourceId],
  );
  return rows;
}

const faultHits = (key: string) => emu.stats().faults[key] ?? 0;

describe("every optional permission missing leaves the rest intact", () => {
  it("model registry listing denied: pipelines, runs and jobs are stored; the registry is not asked again in its backoff", async () => {
    const source = await createTestSource(emu);
    emu.setFaults({ "sagemaker:ListModelPackageGroups": { deny: true } });
    const log = memoryLogger();
    try {
      const first = await runSourcePass(source, { full: true, log, now: T0 });
      expect(first.failures).toBe(0);
      expect(first.error).toBeUndefined();
      const runs = await runsOf(source.id);
      expect(runs).toHaveLength(8);
      expect(runs.every((r) => r.complete && r.steps > 0)).toBe(true);
      const jobs = await pool.query("SELECT count(*)::int AS n FROM sagemaker_job WHERE source_id = $1", [source.id]);
      expect(jobs.rows[0].n).toBeGreaterThan(0);
      const groups = await pool.query("SELECT count(*)::int AS n FROM model_group WHERE source_id = $1", [source.id]);
      expect(groups.rows[0].n).toBe(0);
      const mine = (await getSyncHealth()).sources.find((x) => x.key === source.key);
      expect(mine?.gaps.map((g) => [g.action, g.reason, g.message])).toEqual([
        ["sagemaker:ListModelPackageGroups", "denied", "the role lacks sagemaker:ListModelPackageGroups"],
      ]);
      await resetStats(emu);
      emu.setFaults({ "sagemaker:ListModelPackageGroups": { deny: true } });
      await runPass(source, { full: true, log, now: minutes(5) });
      expect(emu.stats().calls["sagemaker:ListModelPackageGroups"] ?? 0).toBe(0);
    } finally {
      emu.setFaults({});
      await deleteSource(source.id);
    }
  });

  it("DescribeModelCard denied, or one card not found: versions are stored, cards skipped and not asked again", async () => {
    const { ModelCardSummaries = [] } = await sm.send(new ListModelCardsCommand({ MaxResults: 100 }));
    expect(ModelCardSummaries.length).toBeGreaterThan(0);
    const [gone = "", ...others] = ModelCardSummaries.map((c) => c.ModelCardName as string);

    // Denied for every card: versions stored, no card imported, each card backed off.
    const denied = await createTestSource(emu);
    emu.setFaults({ "sagemaker:DescribeModelCard": { deny: true } });
    try {
      expect((await runSourcePass(denied, { full: true, log: memoryLogger(), now: T0 })).failures).toBe(0);
      const stored = await pool.query(
        `SELECT (SELECT count(*)::int FROM model_version v JOIN model_group g ON g.id = v.model_id WHERE g.source_id = $1) AS versions,
                (SELECT count(*)::int FROM model_card c JOIN model_version v ON v.id = c.model_version_id
                   JOIN model_group g ON g.id = v.model_id WHERE g.source_id = $1) AS cards`,
        [denied.id],
      );
      expect(stored.rows[0].versions).toBeGreaterThan(0);
      expect(stored.rows[0].cards).toBe(0);
      const hits = faultHits("sagemaker:DescribeModelCard:denied");
      expect(hits).toBe(ModelCardSummaries.length);
      await runPass(denied, { full: true, now: minutes(0.5) });
      expect(faultHits("sagemaker:DescribeModelCard:denied")).toBe(hits);
    } finally {
      emu.setFaults({});
      await deleteSource(denied.id);
    }

    // One card gone (ResourceNotFound): the others (if any) are imported; that one is given up.
    const source = await createTestSource(emu);
    emu.setFaults({
      "sagemaker:DescribeModelCard": [
        {
          match: { ModelCardName: gone },
          fail: { type: "ResourceNotFound", message: `Model card ${gone} not found.` },
        },
      ],
    });
    try {
      expect((await runSourcePass(source, { full: true, log: memoryLogger(), now: T0 })).failures).toBe(0);
      const imported = await pool.query(
        `SELECT DISTINCT c.imported_from FROM model_card c JOIN model_version v ON v.id = c.model_version_id
           JOIN model_group g ON g.id = v.model_id WHERE g.source_id = $1 ORDER BY 1`,
        [source.id],
      );
      expect(imported.rows.map((r) => String(r.imported_from).split("/").pop())).toEqual(
        others.map((n) => n.toLowerCase()).sort(),
      );
      const hits = faultHits("sagemaker:DescribeModelCard:failed");
      await runPass(source, { full: true, now: minutes(90) });
      expect(faultHits("sagemaker:DescribeModelCard:failed")).toBe(hits);
      const row = await pool.query(
        "SELECT reason, gave_up_at IS NOT NULL AS gave_up FROM sync_backoff WHERE source_id = $1 AND object = $2",
        [source.id, gone],
      );
      expect(row.rows).toEqual([{ reason: "not_found", gave_up: true }]);
    } finally {
      emu.setFaults({});
      await deleteSource(source.id);
    }
  });

  it("ListTagsForResource denied: pipelines are stored with team unknown, their runs too", async () => {
    const source = await createTestSource(emu);
    emu.setFaults({ "sfn:ListTagsForResource": { deny: true } });
    try {
      const pass = await runSourcePass(source, { full: true, log: memoryLogger(), now: T0 });
      expect(pass.failures).toBe(0);
      const pipelines = await pool.query(
        "SELECT name, team_id, tags, sync_note, revision_id FROM pipeline WHERE source_id = $1 ORDER BY name",
        [source.id],
      );
      expect(pipelines.rows).toHaveLength(4);
      for (const p of pipelines.rows) {
        expect(p.team_id).toBeNull();
        expect(p.tags).toEqual({});
        expect(p.revision_id).not.toBeNull();
        expect(p.sync_note).toMatch(/the role lacks states:ListTagsForResource/);
      }
      expect((await runsOf(source.id)).every((r) => r.complete)).toBe(true);
      const hits = faultHits("sfn:ListTagsForResource:denied");
      expect(hits).toBe(4);
      // Discovery again within the backoff: no tag call.
      await runPass(source, { full: true, now: minutes(0.5) });
      expect(faultHits("sfn:ListTagsForResource:denied")).toBe(hits);
    } finally {
      emu.setFaults({});
      await deleteSource(source.id);
    }
  });

  it("one state machine's DescribeStateMachine denied: it is stored without a definition, the others go on", async () => {
    const { stateMachines = [] } = await sdkClient(emu).send(new ListStateMachinesCommand({}));
    const denied = stateMachines.find((m) => m.name === "return-probability")?.stateMachineArn as string;
    const source = await createTestSource(emu);
    emu.setFaults({ "sfn:DescribeStateMachine": [{ match: { stateMachineArn: denied }, deny: true }] });
    try {
      const pass = await runSourcePass(source, { full: true, log: memoryLogger(), now: T0 });
      expect(pass.failures).toBe(0);
      const pipelines = await pool.query(
        `SELECT state_machine_arn AS arn, definition, revision_id, sync_note,
                (SELECT count(*)::int FROM run r WHERE r.pipeline_id = p.id AND r.history_complete AND r.step_count > 0) AS runs
           FROM pipeline p WHERE source_id = $1 ORDER BY name`,
        [source.id],
      );
      expect(pipelines.rows).toHaveLength(4);
      for (const p of pipelines.rows) {
        expect(p.runs, p.arn).toBe(2);
        if (p.arn === denied) {
          expect(p.definition).toEqual({});
          expect(p.revision_id).toBeNull();
          expect(p.sync_note).toMatch(/the role lacks states:DescribeStateMachine/);
        } else {
          expect(p.definition).toHaveProperty("States");
          expect(p.revision_id).not.toBeNull();
          expect(p.sync_note).toBeNull();
        }
      }
      const hits = faultHits("sfn:DescribeStateMachine:denied");
      expect(hits).toBe(1);
      await runPass(source, { full: true, now: minutes(0.5) });
      expect(faultHits("sfn:DescribeStateMachine:denied")).toBe(hits);
      // The permission comes back: the next discovery after the backoff stores the definition.
      emu.setFaults({});
      await runPass(source, { full: true, now: minutes(2) });
      const healed = await pool.query("SELECT revision_id, sync_note FROM pipeline WHERE state_machine_arn = $1", [
        denied,
      ]);
      expect(healed.rows[0].revision_id).not.toBeNull();
      expect(healed.rows[0].sync_note).toBeNull();
    } finally {
      emu.setFaults({});
      await deleteSource(source.id);
    }
  });

  it("a SageMaker job that is gone: the run completes with a warning and the job is not asked about again", async () => {
    const [job] = (await trainingJobs()).filter((j) => j.TrainingJobStatus === "Completed");
    const name = job?.TrainingJobName as string;
    const source = await createTestSource(emu);
    emu.setFaults({
      "sagemaker:DescribeTrainingJob": [
        {
          match: { TrainingJobName: name },
          fail: { type: "ResourceNotFound", message: "Requested resource not found." },
        },
      ],
    });
    try {
      expect((await runSourcePass(source, { full: true, log: memoryLogger(), now: T0 })).failures).toBe(0);
      expect((await runsOf(source.id)).every((r) => r.complete)).toBe(true);
      const stored = await pool.query("SELECT name FROM sagemaker_job WHERE source_id = $1 AND kind = 'TRAINING'", [
        source.id,
      ]);
      expect(stored.rows.map((r) => r.name)).not.toContain(name);
      expect(stored.rows.length).toBe((await trainingJobs()).length - 1);
      const run = await pool.query(
        `SELECT r.public_id FROM step s JOIN run r ON r.id = s.run_id JOIN pipeline p ON p.id = r.pipeline_id
          WHERE p.source_id = $1 AND s.job_name = $2`,
        [source.id, name],
      );
      const view = await getRun({ id: run.rows[0].public_id, payloads: false });
      expect(view?.syncWarnings).toEqual([
        expect.objectContaining({ operation: "sagemaker:DescribeTrainingJob", object: name, reason: "not_found" }),
      ]);
      expect(view?.syncWarnings[0]?.message).toMatch(/no longer exists in AWS/);
      const hits = faultHits("sagemaker:DescribeTrainingJob:failed");
      expect(hits).toBe(1);
      await resetStats(emu);
      emu.setFaults({
        "sagemaker:DescribeTrainingJob": [
          {
            match: { TrainingJobName: name },
            fail: { type: "ResourceNotFound", message: "Requested resource not found." },
          },
        ],
      });
      await runPass(source, { full: true, now: minutes(90) });
      expect(faultHits("sagemaker:DescribeTrainingJob:failed")).toBe(0);
      expect(emu.stats().calls["sfn:GetExecutionHistory"] ?? 0).toBe(0);
    } finally {
      emu.setFaults({});
      await deleteSource(source.id);
    }
  });
});

describe("back off what keeps failing", () => {
  it("a job whose describe keeps failing costs no call between attempts and is given up with a warning", async () => {
    const [job] = (await trainingJobs()).filter((j) => j.TrainingJobStatus === "Completed");
    const name = job?.TrainingJobName as string;
    const source = await createTestSource(emu);
    const failing = () =>
      emu.setFaults({
        "sagemaker:DescribeTrainingJob": [
          {
            match: { TrainingJobName: name },
            fail: { type: "ValidationException", message: "Unexpected internal failure" },
          },
        ],
      });
    failing();
    const log = memoryLogger();
    // Simulated hours pass between these passes: keep discovery, registry and reconciliation (and their
    // calls against the client-side token buckets) out of the way; only the backoff is under test.
    const saved = { ...process.env };
    process.env.STEPWISE_DISCOVERY_SECONDS = "1000000000";
    process.env.STEPWISE_REGISTRY_SECONDS = "1000000000";
    process.env.STEPWISE_RECONCILE_SECONDS = "1000000000";
    try {
      let now = T0;
      const pass = async (at: Date) => {
        now = at;
        return runPass(source, { full: at.getTime() === T0.getTime(), log, now: at });
      };
      await pass(T0);
      const runOfJob = await pool.query(
        `SELECT r.id, r.public_id, r.history_complete, r.next_sync_at FROM step s JOIN run r ON r.id = s.run_id
           JOIN pipeline p ON p.id = r.pipeline_id WHERE p.source_id = $1 AND s.job_name = $2`,
        [source.id, name],
      );
      expect(runOfJob.rows[0].history_complete).toBe(false);
      // Every other run is complete; only this one waits, and not before the job's next attempt.
      expect((await runsOf(source.id)).filter((r) => !r.complete)).toHaveLength(1);
      let tries = faultHits("sagemaker:DescribeTrainingJob:failed");
      expect(tries).toBe(1);
      for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
        const { rows } = await pool.query<{ next: Date; attempts: number }>(
          `SELECT next_attempt_at AT TIME ZONE 'UTC' AS next, attempts FROM sync_backoff
            WHERE source_id = $1 AND object = $2`,
          [source.id, name],
        );
        expect(rows[0]?.attempts).toBe(attempt - 1);
        const next = rows[0]?.next as Date;
        // Exponential: one minute, then doubling.
        expect(next.getTime() - now.getTime()).toBe(60_000 * 2 ** (attempt - 2));
        // Just before it is due: no call at all, not even for the run's history.
        await resetStats(emu);
        failing();
        await pass(new Date(next.getTime() - 1000));
        expect(emu.stats().calls["sagemaker:DescribeTrainingJob"] ?? 0).toBe(0);
        expect(emu.stats().calls["sfn:GetExecutionHistory"] ?? 0).toBe(0);
        // Due: exactly one more try.
        await pass(next);
        expect(faultHits("sagemaker:DescribeTrainingJob:failed")).toBe(1);
        tries++;
      }
      expect(tries).toBe(MAX_ATTEMPTS);
      // Given up: the run is complete, with the warning the run page shows.
      const view = await getRun({ id: runOfJob.rows[0].public_id, payloads: false });
      expect(view?.syncWarnings).toEqual([
        expect.objectContaining({ object: name, reason: "failing", attempts: MAX_ATTEMPTS }),
      ]);
      expect(view?.syncWarnings[0]?.message).toMatch(/kept failing; the sync stopped after 8 tries/);
      const after = await pool.query("SELECT history_complete FROM run WHERE id = $1", [runOfJob.rows[0].id]);
      expect(after.rows[0].history_complete).toBe(true);
      await resetStats(emu);
      failing();
      await pass(new Date(now.getTime() + 7 * 24 * 3_600_000));
      expect(emu.stats().calls["sagemaker:DescribeTrainingJob"] ?? 0).toBe(0);
      expect(emu.stats().calls["sfn:GetExecutionHistory"] ?? 0).toBe(0);
    } finally {
      for (const k of ["STEPWISE_DISCOVERY_SECONDS", "STEPWISE_REGISTRY_SECONDS", "STEPWISE_RECONCILE_SECONDS"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      emu.setFaults({});
      await deleteSource(source.id);
    }
  });
});

describe("what Step Functions no longer has, or never lists", () => {
  let own: RunningEmulator;
  beforeAll(async () => {
    own = await startTestEmulator({ backfillRuns: 4, taskMode: "manual" });
  });
  afterAll(async () => {
    await own?.stop();
  });

  it("an execution past the 90-day retention: what we hold is kept, the run is marked and not asked again", async () => {
    const source = await createTestSource(own);
    const [arn] = own.startDemoRun("size-recommendation-training");
    try {
      await runSourcePass(source, { full: true, log: memoryLogger(), now: T0 });
      const before = (await runsOf(source.id)).find((r) => r.arn === arn);
      expect(before).toMatchObject({ status: "RUNNING", complete: false });
      expect(before?.events).toBeGreaterThan(0);
      own.expireExecution(arn as string);
      const log = memoryLogger();
      const pass = await runPass(source, { full: false, log, now: minutes(1) });
      expect(pass.failures).toBe(0);
      const after = (await runsOf(source.id)).find((r) => r.arn === arn);
      expect(after).toEqual({ ...before, complete: true });
      const run = await pool.query("SELECT public_id FROM run WHERE execution_arn = $1", [arn]);
      const view = await getRun({ id: run.rows[0].public_id, payloads: false });
      expect(view?.syncWarnings).toEqual([
        expect.objectContaining({ operation: "states:GetExecutionHistory", reason: "not_found" }),
      ]);
      expect(view?.syncWarnings[0]?.message).toMatch(/90-day retention/);
      await resetStats(own);
      await runPass(source, { full: true, log, now: minutes(2) });
      expect(own.stats().calls["sfn:GetExecutionHistory"] ?? 0).toBe(0);
      expect(own.stats().calls["sfn:DescribeExecution"] ?? 0).toBe(0);
    } finally {
      await deleteSource(source.id);
    }
  });

  it("an Express state machine: stored with a note, its executions are not listed, the pass does not fail", async () => {
    const express = own.createStateMachine({
      name: `express-${Date.now().toString(36)}`,
      type: "EXPRESS",
      definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Succeed" } } }),
    });
    const source = await createTestSource(own);
    const log = memoryLogger();
    try {
      const pass = await runSourcePass(source, { full: true, log, now: T0 });
      expect(pass.failures, JSON.stringify(log.lines.filter((l) => l.level === "error"))).toBe(0);
      const row = await pool.query("SELECT type, sync_note, revision_id FROM pipeline WHERE state_machine_arn = $1", [
        express.arn,
      ]);
      expect(row.rows).toEqual([{ type: "EXPRESS", sync_note: EXPRESS_NOTE, revision_id: expect.any(Number) }]);
      expect(own.stats().faults).toEqual({});
      // The standard pipelines are synced as usual.
      expect((await runsOf(source.id)).length).toBeGreaterThan(0);
    } finally {
      await deleteSource(source.id);
    }
  });
});
