/**
 * The sync against the real emulator (real SDK clients, real wire protocol) and real Postgres: what it
 * stores equals what the emulator's own API reports, for every demo pipeline and for Map, Parallel,
 * retries, failure, stop and redrive; re-syncs write nothing; settled runs cost zero calls.
 */
import { DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { RedriveExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/metrics/route";
import { pool } from "@/lib/db";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { relabelCounter } from "@/lib/pipelines/testing";
import { getSyncHealth, redactError } from "./status";
import {
  adminStats,
  counts,
  createTestSource,
  dumpSource,
  expectMatchesEmulator,
  flakyFanDefinition,
  lastLiveEventId,
  liveEventsOfSource,
  memoryLogger,
  resetStats,
  runPass,
  startFileEmulator,
} from "./testing";

const emu = await startFileEmulator({ backfillRuns: 16 });
const config = { endpoint: emu.url, region: emu.region, credentials: { accessKeyId: "t", secretAccessKey: "t" } };
const sfn = new SFNClient(config);
const sm = new SageMakerClient(config);
let source: AwsSource;
const log = memoryLogger();

const pass = async (options: { full?: boolean } = {}) => runPass(source, { full: options.full ?? true, log });

beforeAll(async () => {
  source = await createTestSource(emu);
});

describe("sync against the emulator", () => {
  it("stores every demo pipeline, run, event and step exactly as the emulator's API reports them", async () => {
    const summary = await pass();
    expect(summary.failures, JSON.stringify(log.lines.filter((l) => l.level === "error"))).toBe(0);
    const checked = await expectMatchesEmulator(sfn, source);
    expect(checked).toBe(16);
    // Map iterations and Parallel branches were derived with their parents.
    const shape = await pool.query(
      `SELECT count(*) FILTER (WHERE s.map_iteration_index IS NOT NULL)::int AS map,
              count(*) FILTER (WHERE s.parallel_branch_index IS NOT NULL)::int AS par,
              count(*) FILTER (WHERE s.attempts > 1)::int AS retried
         FROM step s JOIN run r ON r.id = s.run_id JOIN pipeline p ON p.id = r.pipeline_id WHERE p.source_id = $1`,
      [source.id],
    );
    expect(shape.rows[0].map).toBeGreaterThan(0);
    expect(shape.rows[0].par).toBeGreaterThan(0);
  });

  it("re-syncing writes nothing and settled runs cost no DescribeExecution / GetExecutionHistory", async () => {
    const before = await dumpSource(source.id, { withIds: true, wallClock: true });
    const liveBefore = await lastLiveEventId();
    await resetStats(emu);
    const summary = await pass({ full: false });
    expect(summary.failures).toBe(0);
    const calls = await adminStats(emu);
    expect(calls["sfn:DescribeExecution"] ?? 0).toBe(0);
    expect(calls["sfn:GetExecutionHistory"] ?? 0).toBe(0);
    // A reconciliation pass lists everything but still asks nothing about settled runs.
    await resetStats(emu);
    await pass({ full: true });
    const full = await adminStats(emu);
    expect(full["sfn:ListExecutions"]).toBeGreaterThan(0);
    expect(full["sfn:DescribeExecution"] ?? 0).toBe(0);
    expect(full["sfn:GetExecutionHistory"] ?? 0).toBe(0);
    const after = await dumpSource(source.id, { withIds: true, wallClock: true });
    expect(counts(after)).toEqual(counts(before));
    expect(after).toEqual(before);
    // Nothing changed, so nothing was announced (for this source: other files share the database).
    expect(await liveEventsOfSource(source.id, liveBefore)).toBe(0);
  });

  it("follows a running execution, a stop, a failure with retries and a redrive", async () => {
    const machine = emu.createStateMachine({
      name: `redrive-${Date.now()}`,
      tags: { team: "Sync Tests", "stepwise:headline-metric": "validation:auc" },
      definition: flakyFanDefinition([{ ErrorEquals: ["Lambda.Unknown"], MaxAttempts: 1, IntervalSeconds: 1 }]),
    });
    const sleeper = emu.createStateMachine({
      name: `sleeper-${Date.now()}`,
      definition: JSON.stringify({
        StartAt: "Sleep",
        States: { Sleep: { Type: "Wait", Seconds: 10_000_000, End: true } },
      }),
    });
    emu.config.taskMode = "manual";
    try {
      const { executionArn = "" } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: machine.arn, name: "attempt", input: '{"x":1}' }),
      );
      const { executionArn: sleepArn = "" } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: sleeper.arn, input: "{}" }),
      );
      const admin = `${emu.url}/__admin/executions/${encodeURIComponent(executionArn)}`;
      const waiting = async () => ((await (await fetch(admin)).json()) as { waiting: unknown[] }).waiting.length > 0;
      const waitFor = async (check: () => Promise<boolean>) => {
        while (!(await check())) await new Promise((r) => setTimeout(r, 20));
      };
      await waitFor(waiting);
      // Mid-flight: the run is RUNNING with the steps so far (full: the new state machines are discovered).
      await pass({ full: true });
      let run = (await pool.query("SELECT * FROM run WHERE execution_arn = $1", [executionArn])).rows[0];
      expect(run.status).toBe("RUNNING");
      expect(run.history_complete).toBe(false);
      const runningSteps = await pool.query("SELECT key, status FROM step WHERE run_id = $1 ORDER BY key", [run.id]);
      expect(runningSteps.rows).toEqual(expect.arrayContaining([{ key: "Fan", status: "RUNNING" }]));
      const versionWhileRunning = run.version;

      // A retry, then a failure; the sleeper is stopped.
      await fetch(`${admin}/advance`, {
        method: "POST",
        body: JSON.stringify({ outcome: "fail", reason: "transient" }),
      });
      await waitFor(waiting);
      await fetch(`${admin}/advance`, { method: "POST", body: JSON.stringify({ outcome: "fail", reason: "boom" }) });
      await emu.waitForExecution(executionArn);
      await sfn.send(new StopExecutionCommand({ executionArn: sleepArn, error: "Manual", cause: "stopped by test" }));
      await pass({ full: false });
      run = (await pool.query("SELECT * FROM run WHERE execution_arn = $1", [executionArn])).rows[0];
      expect(run.status).toBe("FAILED");
      expect(run.history_complete).toBe(true);
      expect(run.version).toBeGreaterThan(versionWhileRunning);
      const stopped = (await pool.query("SELECT * FROM run WHERE execution_arn = $1", [sleepArn])).rows[0];
      expect(stopped).toMatchObject({
        status: "ABORTED",
        error: "Manual",
        cause: "stopped by test",
        history_complete: true,
      });

      // The pipeline's relabel counter, which tells every instance that a failed run's label changed.
      const relabel = () => relabelCounter(pool, run.pipeline_id);
      const relabelWhileFailed = await relabel();

      // Redrive: the settled run reopens through its redriveCount and ends SUCCEEDED.
      await sfn.send(new RedriveExecutionCommand({ executionArn }));
      await waitFor(waiting);
      await fetch(`${admin}/advance`, { method: "POST", body: "{}" });
      await emu.waitForExecution(executionArn);
      await pass({ full: true });
      run = (await pool.query("SELECT * FROM run WHERE execution_arn = $1", [executionArn])).rows[0];
      expect(run).toMatchObject({ status: "SUCCEEDED", redrive_count: 1, history_complete: true });
      expect(await relabel()).toBe(relabelWhileFailed + 1);
      await expectMatchesEmulator(sfn, source);
      const flaky = await pool.query(
        "SELECT key, status, attempts, attempt_log FROM step WHERE run_id = $1 AND state_name = 'Flaky' ORDER BY key",
        [run.id],
      );
      // Both attempts of the retried Flaky are stored with their own errors; the one-attempt re-run has none.
      expect(
        flaky.rows.map((r) =>
          r.attempt_log === null
            ? null
            : r.attempt_log.map((a: { status: string; error: string }) => [a.status, a.error]),
        ),
      ).toEqual([
        null,
        [
          ["FAILED", "Lambda.Unknown"],
          ["FAILED", "Lambda.Unknown"],
        ],
      ]);
      for (const row of flaky.rows) delete row.attempt_log;
      // The first attempt's Flaky failed after a retry (attempts 2); the redrive ran it again and succeeded.
      expect(flaky.rows).toEqual([
        { key: "Fan#2{1}/Flaky", status: "SUCCEEDED", attempts: 1 },
        { key: "Fan{1}/Flaky", status: "FAILED", attempts: 2 },
      ]);
    } finally {
      emu.config.taskMode = "auto";
    }
  });

  it("syncs the SageMaker jobs the steps started, with their final metrics", async () => {
    const jobs = await pool.query(
      `SELECT j.name, j.kind, j.status, j.billable_seconds, j.run_id, j.step_id
         FROM sagemaker_job j WHERE j.source_id = $1 AND j.kind = 'TRAINING' ORDER BY j.name`,
      [source.id],
    );
    expect(jobs.rows.length).toBeGreaterThan(0);
    for (const job of jobs.rows) {
      const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: job.name }));
      expect(job.status).toBe(d.TrainingJobStatus);
      expect(job.run_id).not.toBeNull();
      expect(job.step_id).not.toBeNull();
      if (d.TrainingJobStatus === "Completed") {
        const metrics = await pool.query(
          "SELECT name, value FROM run_metric WHERE run_id = $1 AND scope = $2 ORDER BY name",
          [job.run_id, job.name],
        );
        const expected = (d.FinalMetricDataList ?? [])
          .map((m) => ({ name: m.MetricName, value: m.Value }))
          .sort((a, b) => ((a.name ?? "") < (b.name ?? "") ? -1 : 1));
        expect(metrics.rows.map((m) => ({ name: m.name, value: m.value }))).toEqual(expected);
      }
    }
    // Every training step of a stored run has its job row.
    const orphans = await pool.query(
      `SELECT s.job_name FROM step s JOIN run r ON r.id = s.run_id JOIN pipeline p ON p.id = r.pipeline_id
        WHERE p.source_id = $1 AND s.job_name IS NOT NULL AND s.resource LIKE '%createTrainingJob%'
          AND NOT EXISTS (SELECT 1 FROM sagemaker_job j WHERE j.name = s.job_name)`,
      [source.id],
    );
    expect(orphans.rows).toEqual([]);
  });

  it("reports sync status in /api/health terms and Prometheus metrics behind a token", async () => {
    const health = await getSyncHealth();
    const mine = health.sources.find((x) => x.key === source.key);
    expect(mine).toMatchObject({ enabled: true, errors: expect.any(Number) });
    expect(mine?.apiCalls).toBeGreaterThan(0);
    expect(mine?.lagSeconds).not.toBeNull();
    expect(JSON.stringify(health)).not.toContain(emu.url);
    expect(
      redactError("User: arn:aws:iam::123456789012:role/secret-role is not authorized, see https://a:b@x.y/z"),
    ).toBe("User: arn:aws:iam::[redacted] is not authorized, see [url]");
    const saved = process.env.METRICS_TOKEN;
    process.env.METRICS_TOKEN = "metrics-token-for-test";
    try {
      const denied = await GET(new Request("http://localhost/api/metrics"));
      expect(denied.status).toBe(401);
      const wrong = await GET(
        new Request("http://localhost/api/metrics", { headers: { authorization: "Bearer nope" } }),
      );
      expect(wrong.status).toBe(401);
      const ok = await GET(
        new Request("http://localhost/api/metrics", { headers: { authorization: "Bearer metrics-token-for-test" } }),
      );
      expect(ok.status).toBe(200);
      const text = await ok.text();
      expect(text).toMatch(
        new RegExp(`stepwise_sync_api_calls_total\\{source="${source.key}",operation="sfn:ListExecutions"\\} [1-9]`),
      );
      expect(text).toContain(`stepwise_sync_lag_seconds{source="${source.key}"}`);
    } finally {
      if (saved === undefined) delete process.env.METRICS_TOKEN;
      else process.env.METRICS_TOKEN = saved;
    }
  });
});
