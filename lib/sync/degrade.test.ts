/**
 * Degrade, never drop: with an optional AWS permission missing, a pass stores everything it can read,
 * says plainly what it could not (job panel, /api/health's sync status, one log line per source and
 * hour), and does not ask again for what will not change within its backoff. Real emulator (denials
 * injected as AccessDeniedException), real SDK clients, real Postgres; every pass runs at a fixed `now`.
 */
import {
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
  type TrainingJobSummary,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import type { RunningEmulator } from "@/lib/emulator";
import { runSourcePass } from "./pass";
import { getSyncHealth } from "./status";
import {
  createTestSource,
  deleteSource,
  memoryLogger,
  reloadSource,
  resetStats,
  startTestEmulator,
} from "./test-support";

let emu: RunningEmulator;
let sm: SageMakerClient;

beforeAll(async () => {
  emu = await startTestEmulator({ backfillRuns: 8 });
  sm = new SageMakerClient({
    endpoint: emu.url,
    region: emu.region,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
});
afterAll(async () => {
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
      const second = await runSourcePass(await reloadSource(source.key), { full: false, log, now: minutes(5) });
      expect(second.failures).toBe(0);
      expect(emu.stats().calls["cloudwatch:GetMetricData"] ?? 0).toBe(0);
      expect(log.lines.filter((l) => JSON.stringify(l).includes("cloudwatch:GetMetricData"))).toHaveLength(1);

      // The permission is granted: after the backoff the probe succeeds and every series is fetched.
      emu.setFaults({});
      await runSourcePass(await reloadSource(source.key), { full: false, log, now: minutes(20) });
      await runSourcePass(await reloadSource(source.key), { full: false, log, now: minutes(21) });
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
