/**
 * The per-epoch series against CloudWatch's retention (MetricStat, Period, in the CloudWatch API reference):
 * SageMaker publishes training metrics at 1-second resolution, kept 3 hours; a window that starts 3 hours to
 * 15 days ago is answered only at a multiple of 60 s, 15 to 63 days ago of 300 s, older of 3600 s, and a finer
 * Period gets no datapoints at all. A long job, a history import or a retry after backoff asks for such windows.
 *
 * The Period choice is checked through the real fetch with a fake CloudWatch client (the request is what
 * matters); the replacement of a finer series by a coarser one through the real writer on real Postgres.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { DescribeTrainingJobResponse } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool, prisma } from "@/lib/db";
import { type SeededPipeline, type SeededRun, seedPipeline, seedRun } from "@/lib/runs/testing";
import type { SyncContext } from "../context";
import { createSyncContext } from "../pass";
import { deleteSource } from "../testing";
import { snapshotFromTraining } from "./describe-job";
import { fetchTrainingSeries, periodFor, type SeriesPoint } from "./metric-series";
import { type JobWrite, writeJobs } from "./write-jobs";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = new Date(Date.UTC(2026, 10, 30, 12, 0, 0));
const tag = randomBytes(4).toString("hex");

/** A training job created `ago` ms before NOW and running `hours`, as DescribeTrainingJob answers it. */
function training(name: string, ago: number, hours: number, over: Partial<DescribeTrainingJobResponse> = {}) {
  const created = NOW.getTime() - ago;
  const job = `${name}-${tag}`;
  return snapshotFromTraining({
    TrainingJobName: job,
    TrainingJobArn: `arn:aws:sagemaker:eu-west-1:123456789012:training-job/${job}`,
    TrainingJobStatus: "Completed",
    SecondaryStatus: "Completed",
    AlgorithmSpecification: {
      TrainingInputMode: "File",
      TrainingImage: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:1",
      MetricDefinitions: [
        { Name: "train:loss", Regex: "loss=([0-9.]+)" },
        { Name: "validation:auc", Regex: "auc=([0-9.]+)" },
      ],
    },
    RoleArn: "arn:aws:iam::123456789012:role/sagemaker",
    ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 86_400 },
    ModelArtifacts: { S3ModelArtifacts: `s3://models/${job}/model.tar.gz` },
    CreationTime: new Date(created),
    TrainingStartTime: new Date(created + MINUTE),
    TrainingEndTime: new Date(created + MINUTE + hours * HOUR),
    ...over,
  });
}

describe("the Period asked of CloudWatch", () => {
  it("is the finest the reference answers for the window's age, a margin before each retention step", () => {
    const at = (ago: number) => periodFor(new Date(NOW.getTime() - ago), NOW);
    expect([0, 2 * HOUR, 2 * HOUR + 49 * MINUTE].map(at)).toEqual([1, 1, 1]);
    expect([2 * HOUR + 51 * MINUTE, 3 * HOUR, 14 * DAY].map(at)).toEqual([60, 60, 60]);
    expect([15 * DAY - 5 * MINUTE, 15 * DAY, 62 * DAY].map(at)).toEqual([300, 300, 300]);
    expect([63 * DAY - 5 * MINUTE, 63 * DAY, 400 * DAY].map(at)).toEqual([3600, 3600, 3600]);
  });

  it("follows the window's start, not the job's end: a 5-hour job that just ended is asked per minute", async () => {
    const asked: { period: unknown; start: unknown }[] = [];
    const ctx = {
      now: () => NOW,
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      clients: {
        cloudwatch: {
          send: async (command: GetMetricDataCommand) => {
            const query = command.input.MetricDataQueries?.[0];
            asked.push({ period: query?.MetricStat?.Period, start: command.input.StartTime });
            return { MetricDataResults: [], Messages: [] };
          },
        },
      },
    } as unknown as SyncContext;
    for (const job of [
      training("young", 30 * MINUTE, 0.25),
      training("long", 5 * HOUR + 2 * MINUTE, 5),
      training("imported", 20 * DAY, 1),
      training("archived", 90 * DAY, 1),
    ])
      await fetchTrainingSeries(ctx, job);
    expect(asked.map((a) => a.period)).toEqual([1, 60, 300, 3600]);
  });
});

describe("a series fetched again at a coarser Period", () => {
  let pipeline: SeededPipeline;
  let run: SeededRun;
  let ctx: SyncContext;
  let close: () => void;
  const RUN_STARTED = new Date(NOW.getTime() - 6 * HOUR);

  beforeAll(async () => {
    pipeline = await seedPipeline();
    const source = await prisma.awsSource.findUniqueOrThrow({ where: { id: pipeline.sourceId } });
    ({ ctx, close } = createSyncContext(source));
    run = await seedRun(pipeline, { startedAt: RUN_STARTED });
  });
  afterAll(async () => {
    close?.();
    if (pipeline) await deleteSource(pipeline.sourceId);
  });

  const series = (name: string, count: number, every: number, from: number): SeriesPoint[] =>
    Array.from({ length: count }, (_, step) => ({
      name,
      step,
      value: 1 / (step + 1),
      timestamp: new Date(from + step * every),
    }));
  const write = (job: ReturnType<typeof training>, points: SeriesPoint[] | null, period?: number): JobWrite => ({
    job,
    link: { runId: run.id, stepId: null, pipelineId: pipeline.pipelineId, runStartedAt: RUN_STARTED },
    points,
    series: { state: "COMPLETE", reason: null, attempts: 0, nextAt: null, points, period },
    nextPollAt: null,
  });
  const periodOf = async (job: string) =>
    (await pool.query<{ p: number | null }>("SELECT series_period AS p FROM sagemaker_job WHERE name = $1", [job]))
      .rows[0]?.p;
  const stored = async (job: string) =>
    (
      await pool.query<{ name: string; steps: number }>(
        `SELECT p.name, count(*)::int AS steps
           FROM metric_point p JOIN sagemaker_job j ON j.id = p.job_id
          WHERE j.name = $1 GROUP BY p.name ORDER BY p.name`,
        [job],
      )
    ).rows.map((r) => [r.name, r.steps]);

  it("replaces the finer points instead of overwriting its first steps only; a metric not answered stays", async () => {
    const job = training("outlived", 6 * HOUR, 5, { TrainingJobStatus: "InProgress", TrainingEndTime: undefined });
    const start = NOW.getTime() - 6 * HOUR + MINUTE;
    // While young: one point per 20-second epoch for two hours and a half, both metrics.
    await writeJobs(ctx, [
      write(job, [...series("train:loss", 450, 20_000, start), ...series("validation:auc", 450, 20_000, start)], 1),
    ]);
    expect(await periodOf(job.name)).toBe(1);
    expect(await stored(job.name)).toEqual([
      ["train:loss", 450],
      ["validation:auc", 450],
    ]);
    // Five hours on: minute buckets from the start for train:loss; validation:auc not in this answer.
    await writeJobs(ctx, [
      write({ ...job, status: "Completed" }, series("train:loss", 300, MINUTE, start - (start % MINUTE)), 60),
    ]);
    expect(await stored(job.name)).toEqual([
      ["train:loss", 300],
      ["validation:auc", 450],
    ]);
    expect(await periodOf(job.name)).toBe(60);
    // A write that read no series (a describe only) keeps the Period of the series stored.
    await writeJobs(ctx, [write({ ...job, status: "Completed" }, null)]);
    expect(await periodOf(job.name)).toBe(60);
  });

  it("the migration that shipped with it fetches once more what was fetched late, and nothing else", async () => {
    const long = training("ran-5h", 7 * HOUR, 5);
    const short = training("ran-1h", 7 * HOUR, 1);
    const final = { FinalMetricDataList: [{ MetricName: "train:loss", Value: 0.2, Timestamp: NOW }] };
    const late = training("fetched-late", 7 * HOUR, 1, final);
    // No final metrics: the job had no metric definitions, there is no series to fetch.
    const none = training("no-metrics", 7 * HOUR, 1, {
      AlgorithmSpecification: { TrainingInputMode: "File", TrainingImage: "123456789012.dkr.ecr/train:1" },
    });
    const from = NOW.getTime() - 7 * HOUR + MINUTE;
    await writeJobs(ctx, [
      write(long, series("train:loss", 150, MINUTE, from)),
      write(short, series("train:loss", 60, MINUTE, from)),
      write(late, []),
      write(none, []),
    ]);
    const sql = readFileSync("prisma/migrations/20261202100000_refetch_late_series/migration.sql", "utf8");
    const client = await pool.connect();
    try {
      // In a transaction rolled back: other test files' jobs share the database.
      await client.query("BEGIN");
      await client.query(sql);
      const { rows } = await client.query<{ name: string; series_state: string }>(
        "SELECT name, series_state FROM sagemaker_job WHERE name = ANY($1::text[]) ORDER BY name",
        [[long.name, short.name, late.name, none.name]],
      );
      expect(rows.map((r) => [r.name, r.series_state])).toEqual([
        [late.name, "PENDING"],
        [none.name, "COMPLETE"],
        [short.name, "COMPLETE"],
        [long.name, "PENDING"],
      ]);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });
});
