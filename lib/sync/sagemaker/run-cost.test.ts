/**
 * The run cost writer (write-jobs.ts → RUN_COST_METRIC) on Describe*Job answers the SageMaker API reference allows
 * but the emulator never sends: a training job without BillableTimeInSeconds, an instance type the price table does
 * not know, managed spot training billed for less than it ran, a job stopped before it started, a processing job
 * still running without ProcessingEndTime. Each is priced right or not at all, never throws, and never costs the
 * other jobs of its run their rows; the stored cost is the one the run page shows. Real Postgres, the real mapping
 * (describe-job.ts) and writer, no AWS: the answers are written here from the reference's response syntax.
 */
import { randomBytes } from "node:crypto";
import type { DescribeProcessingJobResponse, DescribeTrainingJobResponse } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool, prisma } from "@/lib/db";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { RUN_COST_METRIC } from "@/lib/metrics/direction";
import { ON_DEMAND_USD_PER_HOUR } from "@/lib/models/pricing";
import { getRun } from "@/lib/runs/queries";
import { type SeededPipeline, type SeededRun, seedPipeline, seedRun } from "@/lib/runs/testing";
import type { SyncContext } from "../context";
import { createSyncContext } from "../pass";
import { deleteSource } from "../testing";
import { type JobSnapshot, snapshotFromProcessing, snapshotFromTraining } from "./describe-job";
import { type JobWrite, writeJobs } from "./write-jobs";

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const tag = randomBytes(4).toString("hex");
const ARN = "arn:aws:sagemaker:eu-west-1:123456789012";
const price = (type: string) => ON_DEMAND_USD_PER_HOUR[type] as number;

/** A completed one-hour training job as DescribeTrainingJob answers it; `over` makes it hostile. */
function training(name: string, over: Partial<DescribeTrainingJobResponse> = {}): DescribeTrainingJobResponse {
  const job = `${name}-${tag}`;
  return {
    TrainingJobName: job,
    TrainingJobArn: `${ARN}:training-job/${job}`,
    TrainingJobStatus: "Completed",
    SecondaryStatus: "Completed",
    AlgorithmSpecification: { TrainingInputMode: "File", TrainingImage: "123456789012.dkr.ecr/train:1" },
    RoleArn: "arn:aws:iam::123456789012:role/sagemaker",
    ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 86_400 },
    ModelArtifacts: { S3ModelArtifacts: `s3://models/${job}/model.tar.gz` },
    CreationTime: at(0),
    TrainingStartTime: at(60),
    TrainingEndTime: at(60 + 3600),
    TrainingTimeInSeconds: 3600,
    BillableTimeInSeconds: 3600,
    FinalMetricDataList: [{ MetricName: "validation:auc", Value: 0.8, Timestamp: at(3600) }],
    ...over,
  };
}

function processing(name: string, over: Partial<DescribeProcessingJobResponse> = {}): DescribeProcessingJobResponse {
  const job = `${name}-${tag}`;
  return {
    ProcessingJobName: job,
    ProcessingJobArn: `${ARN}:processing-job/${job}`,
    ProcessingJobStatus: "Completed",
    AppSpecification: { ImageUri: "123456789012.dkr.ecr/features:1" },
    ProcessingResources: { ClusterConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 2, VolumeSizeInGB: 30 } },
    RoleArn: "arn:aws:iam::123456789012:role/sagemaker",
    CreationTime: at(0),
    ProcessingStartTime: at(30),
    ProcessingEndTime: at(30 + 1800),
    ...over,
  };
}

let pipeline: SeededPipeline;
let source: AwsSource;
let ctx: SyncContext;
let close: () => void;

const write = (run: SeededRun, job: JobSnapshot): JobWrite => ({
  job,
  link: { runId: run.id, stepId: null, pipelineId: pipeline.pipelineId, runStartedAt: at(0) },
  points: null,
  series: { state: null, reason: null, attempts: 0, nextAt: null, points: null },
  nextPollAt: null,
});

const storedCost = async (run: SeededRun) =>
  (
    await pool.query<{ value: number }>(
      "SELECT value FROM run_metric WHERE run_id = $1 AND scope = 'run' AND name = $2",
      [run.id, RUN_COST_METRIC],
    )
  ).rows.map((r) => r.value);

const storedJobs = async (run: SeededRun) =>
  (
    await pool.query<{ name: string; status: string; billable_seconds: number | null; ended_at: Date | null }>(
      "SELECT name, status, billable_seconds, ended_at FROM sagemaker_job WHERE run_id = $1 ORDER BY name",
      [run.id],
    )
  ).rows;

beforeAll(async () => {
  pipeline = await seedPipeline();
  source = await prisma.awsSource.findUniqueOrThrow({ where: { id: pipeline.sourceId } });
  ({ ctx, close } = createSyncContext(source));
});

afterAll(async () => {
  close?.();
  if (pipeline) await deleteSource(pipeline.sourceId);
});

describe("the run cost on hostile job answers", () => {
  it("prices each job as the reference allows it, skips what cannot be priced, and keeps every job of the run", async () => {
    const run = await seedRun(pipeline, { startedAt: at(0) });
    const jobs = [
      // No BillableTimeInSeconds (the member is optional): billed for the time it ran, one hour.
      snapshotFromTraining(training("no-billable", { BillableTimeInSeconds: undefined })),
      // An instance type the price table does not know: no cost for it, no guess.
      snapshotFromTraining(
        training("unknown-type", { ResourceConfig: { InstanceType: "ml.trn1.32xlarge", InstanceCount: 1 } }),
      ),
      // Managed spot: billed 20 of the 60 minutes it ran, on two instances.
      snapshotFromTraining(
        training("spot", {
          EnableManagedSpotTraining: true,
          ResourceConfig: { InstanceType: "ml.g5.xlarge", InstanceCount: 2, VolumeSizeInGB: 30 },
          BillableTimeInSeconds: 1200,
        }),
      ),
      // Stopped before it started: no start, no end, no billable time.
      snapshotFromTraining(
        training("stopped-early", {
          TrainingJobStatus: "Stopped",
          SecondaryStatus: "Stopped",
          TrainingStartTime: undefined,
          TrainingEndTime: undefined,
          TrainingTimeInSeconds: undefined,
          BillableTimeInSeconds: undefined,
          FinalMetricDataList: undefined,
        }),
      ),
      // Processing jobs have no billable time in the reference: the 30 minutes they ran, on two instances.
      snapshotFromProcessing(processing("features")),
    ];
    await writeJobs(
      ctx,
      jobs.map((job) => write(run, job)),
    );

    expect((await storedJobs(run)).map((j) => [j.name, j.status, j.billable_seconds])).toEqual([
      [`features-${tag}`, "Completed", null],
      [`no-billable-${tag}`, "Completed", null],
      [`spot-${tag}`, "Completed", 1200],
      [`stopped-early-${tag}`, "Stopped", null],
      [`unknown-type-${tag}`, "Completed", 3600],
    ]);
    const expected =
      price("ml.m5.xlarge") * 1 + // no-billable: one hour
      price("ml.g5.xlarge") * 2 * (1200 / 3600) + // spot: billed 20 minutes
      price("ml.m5.xlarge") * 2 * 0.5; // features: half an hour on two
    const [cost] = await storedCost(run);
    expect(cost).toBeCloseTo(expected, 9);
    // The run page shows the same, with the spot saving and the jobs it could not price.
    const page = await getRun({ id: run.publicId, payloads: false });
    expect(page?.cost?.usd).toBeCloseTo(cost ?? Number.NaN, 9);
    expect(page?.cost?.spotSavingsUsd).toBeCloseTo(price("ml.g5.xlarge") * 2 * (2400 / 3600), 9);
    expect(page?.cost).toMatchObject({ pricedJobs: 3, jobs: 5 });
    // The other run-level metrics of the run are written as before.
    const { rows } = await pool.query<{ name: string }>(
      "SELECT name FROM run_metric WHERE run_id = $1 AND scope = 'run' ORDER BY name",
      [run.id],
    );
    expect(rows.map((r) => r.name)).toEqual([RUN_COST_METRIC, "validation:auc"].sort());
  });

  it("writes no cost while a processing job runs without ProcessingEndTime, and the whole cost once it has ended", async () => {
    const run = await seedRun(pipeline, { status: "RUNNING", startedAt: at(0) });
    const train = snapshotFromTraining(training("train-first"));
    const running = processing("evaluate", {
      ProcessingJobStatus: "InProgress",
      ProcessingResources: { ClusterConfig: { InstanceType: "ml.c5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 } },
      ProcessingEndTime: undefined,
    });
    await writeJobs(ctx, [write(run, train), write(run, snapshotFromProcessing(running))]);
    expect(await storedCost(run)).toEqual([]);
    expect((await storedJobs(run)).map((j) => [j.name, j.status, j.ended_at === null])).toEqual([
      [`evaluate-${tag}`, "InProgress", true],
      [`train-first-${tag}`, "Completed", false],
    ]);
    // The run page prices only what has ended so far.
    expect((await getRun({ id: run.publicId, payloads: false }))?.cost).toMatchObject({ pricedJobs: 1, jobs: 2 });

    const ended = { ...running, ProcessingJobStatus: "Completed" as const, ProcessingEndTime: at(30 + 1800) };
    await writeJobs(ctx, [write(run, snapshotFromProcessing(ended))]);
    const [cost] = await storedCost(run);
    expect(cost).toBeCloseTo(price("ml.m5.xlarge") + price("ml.c5.xlarge") * 0.5, 9);
    expect((await getRun({ id: run.publicId, payloads: false }))?.cost?.usd).toBeCloseTo(cost ?? Number.NaN, 9);
  });
});
