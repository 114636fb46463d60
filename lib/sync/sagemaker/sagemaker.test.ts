/**
 * The SageMaker sync against the real emulator (real SDK clients) and real Postgres: stored jobs,
 * final metrics, series, model versions and cards equal what the AWS APIs report; re-running changes
 * nothing; finished work costs no AWS calls. No wall-clock assertions: waits are "until done".
 */
import { randomBytes, randomInt } from "node:crypto";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeModelCardCommand,
  DescribeModelPackageCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  ListModelCardsCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from "@aws-sdk/client-sagemaker";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool, prisma, sql } from "@/lib/db";
import { catalogue, type RunningEmulator, startEmulator } from "@/lib/emulator";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { RUN_COST_METRIC } from "@/lib/metrics/direction";
import { syncStepJobs } from "@/lib/sync/runs";
import { ALL_DEMO_PIPELINES, TEST_BACKFILL_END } from "@/lib/sync/testing";
import type { Change, SyncContext } from "../context";
import { pollRunningJobs, syncJobByName, syncJobsForSteps, syncModelRegistry } from "./index";
import { periodFor } from "./metric-series";

let emu: RunningEmulator;
let sfn: SFNClient;
let sm: SageMakerClient;
let cw: CloudWatchClient;
let source: AwsSource;
let ctx: SyncContext;
/**
 * The back-filled runs are synced as at the end of the back-fill, as a deployment watching the account would
 * have (CloudWatch's answer depends on the data's age); live runs are synced now (`ctx`).
 */
const SYNCED_AT = TEST_BACKFILL_END;
let atBackfillEnd: SyncContext;
const changes: Change[] = [];
const warnings: { message: string; context?: Record<string, unknown> }[] = [];
const accountId = String(randomInt(100_000_000_000, 999_999_999_999));
const pipelines = new Map<string, number>();
const runs = new Map<string, SyncInput>();

type SyncInput = Parameters<typeof syncJobsForSteps>[1];

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    accountId,
    seed: "sagemaker-sync",
    backfillEnd: TEST_BACKFILL_END,
    backfillPipelines: ALL_DEMO_PIPELINES,
    timeScale: 50_000,
    backfillRuns: 40,
    backfillDays: 20,
    scheduler: false,
    log: () => undefined,
  });
  const config = {
    endpoint: emu.url,
    region: "eu-west-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  sfn = new SFNClient(config);
  sm = new SageMakerClient(config);
  cw = new CloudWatchClient(config);
  source = await prisma.awsSource.create({
    data: { key: `sm-test-${randomBytes(4).toString("hex")}`, accountId, region: "eu-west-1", endpoint: emu.url },
  });
  ctx = {
    source,
    clients: { sfn, sagemaker: sm, cloudwatch: cw },
    log: {
      info: () => undefined,
      warn: (message, context) => warnings.push({ message, context }),
      error: () => undefined,
    },
    changes: { add: (c) => changes.push(c), flush: async () => undefined },
    counters: { call: () => undefined, throttled: () => undefined, failed: () => undefined },
  };
  atBackfillEnd = { ...ctx, now: () => new Date(SYNCED_AT) };
  for (const p of catalogue) {
    await sql("INSERT INTO team (slug, name) VALUES ($1, $1) ON CONFLICT (slug) DO NOTHING", [p.team]);
    const [row] = await sql<{ id: number }>(
      `INSERT INTO pipeline (source_id, state_machine_arn, name, definition, updated_at)
       VALUES ($1, $2, $3, $4, now()) RETURNING id`,
      [source.id, `arn:aws:states:eu-west-1:${accountId}:stateMachine:${p.name}`, p.name, JSON.stringify(p.definition)],
    );
    if (row) pipelines.set(p.name, row.id);
  }
});

afterAll(async () => {
  await emu?.stop();
});

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** What the core does before calling us: a run row and one step row per SageMaker task, from the history. */
async function storeRun(executionArn: string, extraSteps: SyncInput["steps"] = []): Promise<SyncInput> {
  const x = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const pipelineName = x.stateMachineArn?.split(":").pop() ?? "";
  const pipelineId = pipelines.get(pipelineName) as number;
  const [run] = await sql<{ id: number; public_id: string }>(
    `INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (execution_arn) DO UPDATE SET status = EXCLUDED.status
     RETURNING id, public_id`,
    [
      randomBytes(6).toString("hex"),
      pipelineId,
      executionArn,
      x.name,
      x.status,
      x.startDate?.toISOString().slice(0, -1),
    ],
  );
  const events = await history(executionArn);
  const byId = new Map(events.map((e) => [e.id, e]));
  // As derive-steps does: one step per state entry; a retry re-opens it and its last job is the step's job.
  const entered = (e: HistoryEvent): HistoryEvent | undefined => {
    let at: HistoryEvent | undefined = e;
    while (at && at.type !== "TaskStateEntered") at = byId.get(at.previousEventId);
    return at;
  };
  const jobs = new Map<
    number,
    { stateName: string; at: Date | undefined; endedAt: Date | null; resource: string; jobName: string }
  >();
  for (const e of events) {
    const d = e.taskScheduledEventDetails;
    if (e.type !== "TaskScheduled" || d?.resourceType !== "sagemaker" || !/Job/.test(d.resource ?? "")) continue;
    const params = JSON.parse(d.parameters ?? "{}");
    const state = entered(e);
    const stateName = state?.stateEnteredEventDetails?.name ?? "Task";
    const exited = events.find(
      (x) => (x.id ?? 0) > (e.id ?? 0) && x.type === "TaskStateExited" && x.stateExitedEventDetails?.name === stateName,
    );
    jobs.set(state?.id ?? e.id ?? 0, {
      stateName,
      at: state?.timestamp,
      endedAt: exited?.timestamp ?? null,
      resource: d.resource ?? "",
      jobName: params.TrainingJobName ?? params.ProcessingJobName ?? params.TransformJobName,
    });
  }
  const steps: SyncInput["steps"] = [];
  for (const [enteredId, j] of jobs) {
    const [step] = await sql<{ id: number }>(
      `INSERT INTO step (run_id, key, state_name, state_type, status, entered_at, exited_at, entered_event_id, resource,
                         job_name)
       VALUES ($1, $2, $3, 'Task', 'SUCCEEDED', $4, $8, $5, $6, $7)
       ON CONFLICT (run_id, key) DO UPDATE SET job_name = EXCLUDED.job_name, exited_at = EXCLUDED.exited_at
       RETURNING id`,
      [
        run?.id,
        `${j.stateName}@${enteredId}`,
        j.stateName,
        j.at?.toISOString().slice(0, -1),
        enteredId,
        j.resource,
        j.jobName,
        j.endedAt?.toISOString().slice(0, -1) ?? null,
      ],
    );
    steps.push({
      stepId: step?.id as number,
      jobName: j.jobName,
      jobArn: null,
      resource: j.resource,
      ended: j.endedAt !== null,
    });
  }
  const input = {
    runId: run?.id as number,
    pipelineId,
    runStartedAt: x.startDate as Date,
    steps: [...steps, ...extraSteps],
  };
  runs.set(executionArn, input);
  return input;
}

async function allExecutions(): Promise<string[]> {
  const arns: string[] = [];
  for (const p of catalogue) {
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: `arn:aws:states:eu-west-1:${accountId}:stateMachine:${p.name}`,
          maxResults: 100,
          nextToken,
        }),
      );
      arns.push(...(page.executions ?? []).filter((e) => e.status !== "RUNNING").map((e) => e.executionArn as string));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return arns;
}

async function stats(): Promise<Record<string, number>> {
  const r = await fetch(`${emu.url}/__admin/stats`);
  return ((await r.json()) as { calls: Record<string, number> }).calls;
}
const resetStats = () => fetch(`${emu.url}/__admin/reset`, { method: "POST" });
const admin = (path: string, body?: object) =>
  fetch(`${emu.url}/__admin${path}`, {
    method: body ? "POST" : "GET",
    body: body ? JSON.stringify(body) : undefined,
    headers: { "content-type": "application/json" },
  }).then((r) => r.json() as Promise<{ waiting?: { stateName: string }[]; status?: string }>);

/** Every row this file's source owns, in a stable order, as JSON text. */
async function dump(): Promise<Record<string, string[]>> {
  const q = async (text: string) => (await sql<{ t: string }>(text, [source.id])).map((r) => r.t);
  const jobs = "SELECT id FROM sagemaker_job WHERE source_id = $1";
  const groups = "SELECT id FROM model_group WHERE source_id = $1";
  return {
    jobs: await q("SELECT to_jsonb(j)::text AS t FROM sagemaker_job j WHERE source_id = $1 ORDER BY id"),
    metrics: await q(
      `SELECT to_jsonb(m)::text AS t FROM run_metric m JOIN pipeline p ON p.id = m.pipeline_id
       WHERE p.source_id = $1 ORDER BY m.id`,
    ),
    points: await q(
      `SELECT to_jsonb(p)::text AS t FROM metric_point p WHERE job_id IN (${jobs}) ORDER BY job_id, name, step`,
    ),
    groups: await q("SELECT to_jsonb(g)::text AS t FROM model_group g WHERE source_id = $1 ORDER BY id"),
    versions: await q(`SELECT to_jsonb(v)::text AS t FROM model_version v WHERE model_id IN (${groups}) ORDER BY id`),
    cards: await q(
      `SELECT to_jsonb(c)::text AS t FROM model_card c JOIN model_version v ON v.id = c.model_version_id
       WHERE v.model_id IN (${groups}) ORDER BY c.id`,
    ),
    revisions: await q(
      `SELECT to_jsonb(r)::text AS t FROM model_card_revision r JOIN model_card c ON c.id = r.card_id
       JOIN model_version v ON v.id = c.model_version_id WHERE v.model_id IN (${groups}) ORDER BY r.id`,
    ),
    cursors: await q("SELECT cursors::text AS t FROM aws_source WHERE id = $1"),
  };
}

const json = (v: unknown) => JSON.parse(JSON.stringify(v ?? null));
const sdkCalls = (calls: Record<string, number>, pattern: RegExp) =>
  Object.entries(calls)
    .filter(([k]) => pattern.test(k))
    .reduce((n, [, v]) => n + v, 0);

/**
 * A job's series as GetMetricData answers it at the Period the sync asks for the job's age when the world is
 * synced (periodFor: whether that Period is the one CloudWatch answers is metric-series.test.ts's and the
 * contract test's to prove).
 */
async function seriesOf(jobName: string, names: string[], end: Date | undefined, start: Date | undefined) {
  const out: Record<string, { t: number; v: number }[]> = {};
  const startTime = new Date((start?.getTime() ?? 0) - 60_000);
  for (const name of names) {
    const r = await cw.send(
      new GetMetricDataCommand({
        StartTime: startTime,
        EndTime: new Date((end?.getTime() ?? SYNCED_AT) + 60_000),
        ScanBy: "TimestampAscending",
        MetricDataQueries: [
          {
            Id: "m",
            MetricStat: {
              Metric: {
                Namespace: "/aws/sagemaker/TrainingJobs",
                MetricName: name,
                Dimensions: [{ Name: "Host", Value: `${jobName}/algo-1` }],
              },
              Period: periodFor(startTime, new Date(SYNCED_AT)),
              Stat: "Average",
            },
          },
        ],
      }),
    );
    const res = r.MetricDataResults?.[0];
    out[name] = (res?.Timestamps ?? []).map((t, i) => ({ t: t.getTime(), v: res?.Values?.[i] as number }));
  }
  return out;
}

/** A demo run held at its training step's gate (manual task mode): its training job is running. */
async function runHeldInTraining(): Promise<{ arn: string; trainingName: string }> {
  await admin("/config", { taskMode: "manual" });
  let arn = "";
  let trainingName = "";
  // A demo run may fail in its own (seeded) way before training reaches its gate; then try another.
  for (let attempt = 0; attempt < 5 && !trainingName; attempt++) {
    [arn = ""] = emu.startDemoRun("size-recommendation-training");
    for (;;) {
      const state = await admin(`/executions/${encodeURIComponent(arn)}`);
      const waiting = (state.waiting ?? []).map((w) => w.stateName);
      if (waiting.includes("BuildFeatures"))
        await admin(`/executions/${encodeURIComponent(arn)}/advance`, { state: "BuildFeatures" });
      else if (waiting.includes("TrainModel")) {
        const events = await history(arn);
        const scheduled = events
          .filter((e) => e.taskScheduledEventDetails?.resource === "createTrainingJob.sync")
          .at(-1);
        trainingName = JSON.parse(scheduled?.taskScheduledEventDetails?.parameters ?? "{}").TrainingJobName;
        break;
      } else if (state.status !== "RUNNING") break;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  await admin("/config", { taskMode: "auto" });
  expect(trainingName).not.toBe("");
  return { arn, trainingName };
}

describe("jobs of steps", () => {
  it("stores every job of every finished run as Describe*Job reports it, linked to its step", async () => {
    const executions = await allExecutions();
    expect(executions.length).toBeGreaterThan(10);
    const bogus = {
      stepId: 0,
      jobName: "no-such-training-job",
      jobArn: null,
      resource: "arn:aws:states:::sagemaker:createTrainingJob.sync",
      ended: false,
    };
    for (const arn of executions) {
      const input = await storeRun(arn);
      if (arn === executions[0]) {
        // A step whose job AWS does not know: logged and skipped, the rest of the run is still synced.
        const [first] = input.steps;
        await syncJobsForSteps(atBackfillEnd, {
          ...input,
          steps: [{ ...bogus, stepId: first?.stepId ?? 0 }, ...input.steps],
        });
      } else {
        await syncJobsForSteps(atBackfillEnd, input);
      }
    }
    // Logged and given up (the job is gone): the run's other jobs are stored, that one is not asked again.
    expect(
      warnings.some((w) => w.context?.object === "no-such-training-job" && w.context?.reason === "not_found"),
    ).toBe(true);
    const [gaveUp] = await sql<{ gave_up: boolean }>(
      "SELECT gave_up_at IS NOT NULL AS gave_up FROM sync_backoff WHERE source_id = $1 AND object = 'no-such-training-job'",
      [source.id],
    );
    expect(gaveUp?.gave_up).toBe(true);

    const rows = await prisma.sageMakerJob.findMany({ where: { sourceId: source.id }, orderBy: { id: "asc" } });
    const expected = [...runs.values()].flatMap((r) => r.steps.map((s) => ({ ...s, runId: r.runId })));
    expect(rows.length).toBe(expected.length);
    const kinds = new Set(rows.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(["PROCESSING", "TRAINING", "TRANSFORM"]);
    for (const row of rows) {
      const step = expected.find((s) => s.jobName === row.name);
      expect(row.stepId).toBe(step?.stepId);
      expect(row.runId).toBe(step?.runId);
      if (row.kind === "TRAINING") {
        const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: row.name }));
        expect(row).toMatchObject({
          arn: d.TrainingJobArn,
          status: d.TrainingJobStatus,
          secondaryStatus: d.SecondaryStatus,
          failureReason: d.FailureReason ?? null,
          algorithmImage: d.AlgorithmSpecification?.TrainingImage,
          instanceType: d.ResourceConfig?.InstanceType,
          instanceCount: d.ResourceConfig?.InstanceCount,
          volumeSizeGb: d.ResourceConfig?.VolumeSizeInGB,
          billableSeconds: d.BillableTimeInSeconds ?? null,
          artifactUri: d.ModelArtifacts?.S3ModelArtifacts || null,
          jobCreatedAt: d.CreationTime,
          startedAt: d.TrainingStartTime ?? null,
          endedAt: d.TrainingEndTime ?? null,
          nextPollAt: null,
        });
        expect(row.statusTransitions).toEqual(json(d.SecondaryStatusTransitions));
        expect(row.hyperParameters).toEqual(d.HyperParameters);
        expect(row.inputs).toEqual(json(d.InputDataConfig));
        expect(row.outputs).toEqual(json(d.OutputDataConfig));
      } else if (row.kind === "PROCESSING") {
        const d = await sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: row.name }));
        expect(row).toMatchObject({
          status: d.ProcessingJobStatus,
          failureReason: d.FailureReason ?? null,
          algorithmImage: d.AppSpecification?.ImageUri,
          instanceType: d.ProcessingResources?.ClusterConfig?.InstanceType,
          instanceCount: d.ProcessingResources?.ClusterConfig?.InstanceCount,
          endedAt: d.ProcessingEndTime ?? null,
        });
      } else {
        const d = await sm.send(new DescribeTransformJobCommand({ TransformJobName: row.name }));
        expect(row).toMatchObject({ status: d.TransformJobStatus, instanceType: d.TransformResources?.InstanceType });
        expect(row.inputs).toEqual(json([d.TransformInput]));
      }
    }
    // Completed training jobs carry the artifact that model packages point at.
    expect(
      rows.some((r) => r.kind === "TRAINING" && r.status === "Completed" && r.artifactUri?.startsWith("s3://")),
    ).toBe(true);
  });

  it("stores final metrics per job and one run-level value per metric (the mean over a Map's jobs)", async () => {
    const jobs = await prisma.sageMakerJob.findMany({ where: { sourceId: source.id, kind: "TRAINING" } });
    let multi = 0;
    for (const input of runs.values()) {
      const metrics = await prisma.runMetric.findMany({ where: { runId: input.runId } });
      const runJobs = jobs.filter((j) => j.runId === input.runId);
      const finals = new Map<string, { jobId: number; value: number }[]>();
      for (const job of runJobs) {
        const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: job.name }));
        const stored = metrics.filter((m) => m.scope === job.name);
        expect(stored.map((m) => [m.name, m.value, m.jobId, m.pipelineId]).sort()).toEqual(
          (d.FinalMetricDataList ?? []).map((f) => [f.MetricName, f.Value, job.id, input.pipelineId]).sort(),
        );
        for (const m of stored) expect(m.runStartedAt).toEqual(input.runStartedAt);
        for (const f of d.FinalMetricDataList ?? []) {
          const list = finals.get(f.MetricName as string) ?? [];
          list.push({ jobId: job.id, value: f.Value as number });
          finals.set(f.MetricName as string, list);
        }
      }
      // The run's cost is a run-level metric of its own (cost-series.test.ts checks its value).
      const runLevel = metrics.filter((m) => m.scope === "run" && m.name !== RUN_COST_METRIC);
      expect(runLevel.map((m) => m.name).sort()).toEqual([...finals.keys()].sort());
      for (const m of runLevel) {
        const values = finals.get(m.name) ?? [];
        expect(m.value).toBeCloseTo(values.reduce((a, v) => a + v.value, 0) / values.length, 12);
        expect(m.jobId).toBe(values.length === 1 ? values[0]?.jobId : null);
        if (values.length > 1) multi++;
      }
    }
    expect(multi).toBeGreaterThan(0);
  });

  it("stores each training job's per-epoch series as GetMetricData returns it", async () => {
    const jobs = await prisma.sageMakerJob.findMany({ where: { sourceId: source.id, kind: "TRAINING" } });
    let points = 0;
    for (const job of jobs.slice(0, 12)) {
      const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: job.name }));
      const names = (d.AlgorithmSpecification?.MetricDefinitions ?? []).map((m) => m.Name as string);
      const expected = await seriesOf(job.name, names, d.TrainingEndTime, d.CreationTime);
      const stored = await prisma.metricPoint.findMany({
        where: { jobId: job.id },
        orderBy: [{ name: "asc" }, { step: "asc" }],
      });
      for (const name of names) {
        const mine = stored.filter((p) => p.name === name);
        expect(mine.map((p) => [p.step, p.value, p.timestamp.getTime()])).toEqual(
          (expected[name] ?? []).map((p, i) => [i, p.v, p.t]),
        );
        points += mine.length;
      }
    }
    expect(points).toBeGreaterThan(50);
  });

  it("costs no AWS call and changes no row when finished jobs are synced again", async () => {
    const before = await dump();
    changes.length = 0;
    await resetStats();
    for (const input of runs.values()) await syncJobsForSteps(ctx, input);
    const calls = await stats();
    expect(sdkCalls(calls, /sagemaker:Describe|cloudwatch:/)).toBe(0);
    expect(await dump()).toEqual(before);
    expect(changes).toEqual([]);
  });

  it("follows a running job through the poller until it fails, storing FailureReason", async () => {
    const { arn, trainingName } = await runHeldInTraining();
    const input = await storeRun(arn);
    changes.length = 0;
    await syncJobsForSteps(ctx, input);
    const running = await prisma.sageMakerJob.findFirstOrThrow({ where: { sourceId: source.id, name: trainingName } });
    expect(running).toMatchObject({ status: "InProgress", secondaryStatus: "Training", failureReason: null });
    expect(running.nextPollAt).not.toBeNull();
    expect(await prisma.metricPoint.count({ where: { jobId: running.id } })).toBeGreaterThan(0);
    const [run] = await sql<{ public_id: string }>("SELECT public_id FROM run WHERE id = $1", [input.runId]);
    expect(changes).toContainEqual({
      topic: `run:${run?.public_id}`,
      kind: "job",
      id: String(running.id),
      version: running.version,
    });

    // Not due yet (its next poll is an hour away, whatever this machine's speed): the poller leaves it alone,
    // and so does another pass over the run while its step has not ended.
    await sql("UPDATE sagemaker_job SET next_poll_at = next_poll_at + interval '1 hour' WHERE id = $1", [running.id]);
    await resetStats();
    expect(await pollRunningJobs(ctx)).toBe(0);
    await syncJobsForSteps(ctx, input);
    expect(sdkCalls(await stats(), /sagemaker:Describe/)).toBe(0);

    const reason = "AlgorithmError: injected by sagemaker.test.ts";
    await admin(`/executions/${encodeURIComponent(arn)}/advance`, { state: "TrainModel", outcome: "fail", reason });
    await emu.waitForExecution(arn);
    await sql("UPDATE sagemaker_job SET next_poll_at = next_poll_at - interval '2 hours' WHERE id = $1", [running.id]);
    expect(await pollRunningJobs(ctx)).toBe(1);
    const failed = await prisma.sageMakerJob.findUniqueOrThrow({ where: { id: running.id } });
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: trainingName }));
    expect(failed).toMatchObject({
      status: "Failed",
      failureReason: reason,
      nextPollAt: null,
      version: running.version + 1,
    });
    expect(d.FailureReason).toBe(reason);
    expect(failed.statusTransitions).toEqual(json(d.SecondaryStatusTransitions));
    expect(await pollRunningJobs(ctx)).toBe(0);
  });

  it("describes a .sync step's job as soon as the step has ended, not at the poller's next turn", async () => {
    // A card or run page opened right after a run finished showed its training job still running, with no
    // billable time and no cost, until the poller's next turn: the step sync left a polled job to the poller.
    const { arn, trainingName } = await runHeldInTraining();
    await syncJobsForSteps(ctx, await storeRun(arn));
    const running = await prisma.sageMakerJob.findFirstOrThrow({ where: { sourceId: source.id, name: trainingName } });
    expect(running).toMatchObject({ status: "InProgress", billableSeconds: null });
    await sql("UPDATE sagemaker_job SET next_poll_at = next_poll_at + interval '1 hour' WHERE id = $1", [running.id]);

    await admin(`/executions/${encodeURIComponent(arn)}/advance`, { state: "TrainModel" });
    await emu.waitForExecution(arn);
    const ended = await storeRun(arn);
    const training = ended.steps.find((s) => s.jobName === trainingName);
    expect(training?.ended).toBe(true);
    await resetStats();
    await syncJobsForSteps(ctx, ended);
    expect((await stats())["sagemaker:DescribeTrainingJob"]).toBe(1);
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: trainingName }));
    expect(d.TrainingJobStatus).toBe("Completed");
    const done = await prisma.sageMakerJob.findUniqueOrThrow({ where: { id: running.id } });
    expect(done).toMatchObject({ status: "Completed", billableSeconds: d.BillableTimeInSeconds, nextPollAt: null });

    // Finished: another pass over the run describes nothing.
    await resetStats();
    await syncJobsForSteps(ctx, ended);
    expect(sdkCalls(await stats(), /sagemaker:Describe/)).toBe(0);
  });

  // The step-end describe as the core makes it (syncStepJobs, a fresh context per pass, as each sync pass has),
  // answered the two ways the SageMaker API reference allows a describe to fail for one job: the role lacks
  // sagemaker:DescribeTrainingJob (AccessDeniedException), or the job is not found (ResourceNotFound).
  describe("when the describe at a .sync step's end fails", () => {
    const pass = (at: Date) => ({ ...ctx, now: () => at, backoff: undefined });
    async function endedRunWithRunningJob() {
      const { arn, trainingName } = await runHeldInTraining();
      await syncJobsForSteps(ctx, await storeRun(arn));
      const running = await prisma.sageMakerJob.findFirstOrThrow({
        where: { sourceId: source.id, name: trainingName },
      });
      await sql("UPDATE sagemaker_job SET next_poll_at = next_poll_at + interval '1 hour' WHERE id = $1", [running.id]);
      await admin(`/executions/${encodeURIComponent(arn)}/advance`, { state: "TrainModel" });
      await emu.waitForExecution(arn);
      const input = await storeRun(arn);
      const [run] = await sql<{ public_id: string }>("SELECT public_id FROM run WHERE id = $1", [input.runId]);
      const core = {
        runId: input.runId,
        pipelineId: input.pipelineId,
        runStartedAt: input.runStartedAt,
        publicId: run?.public_id ?? "",
      };
      return { trainingName, running, core };
    }
    const backoffOf = (name: string) =>
      sql<{ attempts: number; next_attempt_at: Date | null; gave_up: boolean; run_id: number | null }>(
        `SELECT attempts, next_attempt_at, gave_up_at IS NOT NULL AS gave_up, run_id FROM sync_backoff
          WHERE source_id = $1 AND operation = 'sagemaker:DescribeTrainingJob' AND object = $2`,
        [source.id, name],
      );
    const describes = async () => (await stats())["sagemaker:DescribeTrainingJob"] ?? 0;

    it("denied: tried once, then left alone until its backoff is due, and read when it is", async () => {
      const { trainingName, running, core } = await endedRunWithRunningJob();
      const t0 = new Date("2030-01-01T00:00:00Z");
      await resetStats();
      await admin("/faults", {
        "sagemaker:DescribeTrainingJob": { deny: true, match: { TrainingJobName: trainingName } },
      });
      await syncStepJobs(pass(t0), core);
      expect(await describes()).toBe(1);
      // Nothing stored is lost: the row keeps what the last describe said.
      const kept = await prisma.sageMakerJob.findUniqueOrThrow({ where: { id: running.id } });
      expect(kept).toMatchObject({ status: "InProgress", version: running.version });
      const [row] = await backoffOf(trainingName);
      expect(row).toMatchObject({ attempts: 1, gave_up: false, run_id: core.runId });
      const due = row?.next_attempt_at as Date;
      expect(due.getTime()).toBeGreaterThan(t0.getTime());

      // Every pass before the backoff is due (each a new context that reads the backoff from Postgres): no call.
      for (const at of [t0, new Date(due.getTime() - 1)]) await syncStepJobs(pass(at), core);
      expect(await describes()).toBe(1);
      expect(await pollRunningJobs(pass(t0))).toBe(0);
      expect(await describes()).toBe(1);

      // The permission is granted; the first pass after the backoff is due reads the finished job.
      await admin("/faults", {});
      await syncStepJobs(pass(new Date(due.getTime() + 1)), core);
      expect(await describes()).toBe(2);
      const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: trainingName }));
      const done = await prisma.sageMakerJob.findUniqueOrThrow({ where: { id: running.id } });
      expect(done).toMatchObject({ status: "Completed", billableSeconds: d.BillableTimeInSeconds, nextPollAt: null });
      expect(await backoffOf(trainingName)).toEqual([]);
    });

    it("not found: given up at once, and no later pass or poll asks again", async () => {
      const { trainingName, running, core } = await endedRunWithRunningJob();
      const t0 = new Date("2030-01-01T00:00:00Z");
      await resetStats();
      await admin("/faults", {
        "sagemaker:DescribeTrainingJob": {
          fail: { type: "ResourceNotFound", message: "Resource not found." },
          match: { TrainingJobName: trainingName },
        },
      });
      await syncStepJobs(pass(t0), core);
      expect(await describes()).toBe(1);
      const [row] = await backoffOf(trainingName);
      expect(row).toMatchObject({ gave_up: true, next_attempt_at: null });
      expect(await prisma.sageMakerJob.findUniqueOrThrow({ where: { id: running.id } })).toMatchObject({
        status: "InProgress",
        version: running.version,
      });
      // Hours later, and with the poller's turn due: nothing asks for the job again.
      await sql("UPDATE sagemaker_job SET next_poll_at = next_poll_at - interval '2 hours' WHERE id = $1", [
        running.id,
      ]);
      const later = new Date(t0.getTime() + 24 * 3_600_000);
      expect(await syncStepJobs(pass(later), core)).toBe(0);
      expect(await pollRunningJobs(pass(later))).toBe(0);
      expect(await describes()).toBe(1);
      // Leave the world as the rest of the file expects it: the job readable again and stored as finished.
      await admin("/faults", {});
      await sql("DELETE FROM sync_backoff WHERE source_id = $1 AND object = $2", [source.id, trainingName]);
      await syncStepJobs(pass(later), core);
      expect(await prisma.sageMakerJob.findUniqueOrThrow({ where: { id: running.id } })).toMatchObject({
        status: "Completed",
      });
    });
  });

  it("leaves a polled job to the poller when its step ended without waiting for it (no .sync)", async () => {
    const { arn, trainingName } = await runHeldInTraining();
    const input = await storeRun(arn);
    await syncJobsForSteps(ctx, input);
    const running = await prisma.sageMakerJob.findFirstOrThrow({ where: { sourceId: source.id, name: trainingName } });
    await sql("UPDATE sagemaker_job SET next_poll_at = next_poll_at + interval '1 hour' WHERE id = $1", [running.id]);
    // createTrainingJob without .sync: the step ends as soon as the job is created, so its end says nothing
    // about the job's.
    const fireAndForget = {
      ...input,
      steps: input.steps.map((s) =>
        s.jobName === trainingName
          ? { ...s, resource: "arn:aws:states:::sagemaker:createTrainingJob", ended: true }
          : s,
      ),
    };
    await resetStats();
    await syncJobsForSteps(ctx, fireAndForget);
    expect(sdkCalls(await stats(), /sagemaker:Describe/)).toBe(0);
    await admin(`/executions/${encodeURIComponent(arn)}/advance`, { state: "TrainModel" });
    await emu.waitForExecution(arn);
  });

  it("syncs one job by name for EventBridge, linked to the step that started it", async () => {
    const [arn = ""] = emu.startDemoRun("return-probability");
    await emu.waitForExecution(arn);
    const input = await storeRun(arn);
    const training = input.steps.find((s) => /createTrainingJob/.test(s.resource ?? ""));
    await syncJobByName(ctx, { kind: "TRAINING", name: training?.jobName as string });
    const row = await prisma.sageMakerJob.findFirstOrThrow({
      where: { sourceId: source.id, name: training?.jobName as string },
    });
    expect(row).toMatchObject({ runId: input.runId, stepId: training?.stepId });
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: row.name }));
    expect(row.status).toBe(d.TrainingJobStatus);
    // The rest of the run's jobs come through the normal path; the pushed one is not described again.
    await resetStats();
    await syncJobsForSteps(ctx, input);
    expect((await stats())["sagemaker:DescribeTrainingJob"] ?? 0).toBe(0);
  });
});

describe("model registry", () => {
  it("stores groups and versions as the registry reports them, linked to job, run, pipeline and team", async () => {
    changes.length = 0;
    await syncModelRegistry(ctx);
    const { ModelPackageGroupSummaryList: groups = [] } = await sm.send(
      new ListModelPackageGroupsCommand({ MaxResults: 100 }),
    );
    const stored = await prisma.modelGroup.findMany({ where: { sourceId: source.id }, include: { versions: true } });
    expect(stored.map((g) => g.name).sort()).toEqual(groups.map((g) => g.ModelPackageGroupName).sort());
    let linkedToJob = 0;
    let linkedToRunOnly = 0;
    for (const g of stored) {
      const p = catalogue.find((c) => c.modelPackageGroup === g.name);
      const [team] = await sql<{ id: number }>("SELECT id FROM team WHERE slug = $1", [p?.team]);
      expect(g.teamId).toBe(team?.id);
      const { ModelPackageSummaryList: list = [] } = await sm.send(
        new ListModelPackagesCommand({ ModelPackageGroupName: g.name, MaxResults: 100 }),
      );
      expect(g.versions.map((v) => v.version).sort((a, b) => a - b)).toEqual(list.map((s) => s.ModelPackageVersion));
      if (list.length > 0) expect(g.pipelineId).toBe(pipelines.get(p?.name ?? ""));
      for (const v of g.versions) {
        const d = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: v.arn as string }));
        expect(v).toMatchObject({
          approvalStatus: {
            Approved: "APPROVED",
            Rejected: "REJECTED",
            PendingManualApproval: "PENDING_MANUAL_APPROVAL",
          }[d.ModelApprovalStatus as string],
          packageStatus: d.ModelPackageStatus,
          description: d.ModelPackageDescription,
          artifactUri: d.InferenceSpecification?.Containers?.[0]?.ModelDataUrl,
          image: d.InferenceSpecification?.Containers?.[0]?.Image,
          awsCreatedAt: d.CreationTime,
        });
        expect(v.metrics).toEqual(
          json({
            ModelMetrics: d.ModelMetrics,
            CustomerMetadataProperties: d.CustomerMetadataProperties,
            MetadataProperties: d.MetadataProperties,
          }),
        );
        const jobName = d.CustomerMetadataProperties?.["stepwise:training-job"] ?? "";
        const execution = d.CustomerMetadataProperties?.["stepwise:execution-arn"] ?? "";
        const run = runs.get(execution);
        expect(v.runId).toBe(run?.runId ?? null);
        if (jobName.includes("*")) {
          expect(v.jobId).toBeNull();
          if (run) linkedToRunOnly++;
        } else {
          const [job] = await sql<{ id: number; run_id: number }>(
            "SELECT id, run_id FROM sagemaker_job WHERE source_id = $1 AND name = $2",
            [source.id, jobName],
          );
          expect(v.jobId).toBe(job?.id ?? null);
          if (job) linkedToJob++;
        }
      }
    }
    expect(linkedToJob).toBeGreaterThan(0);
    expect(linkedToRunOnly).toBeGreaterThan(0);
    expect(new Set(changes.map((c) => c.topic))).toEqual(new Set([...stored.map((g) => `model:${g.id}`), "models"]));
  });

  it("imports each SageMaker card version once, as revision 1 of the model version it names", async () => {
    const { ModelCardSummaries: cards = [] } = await sm.send(new ListModelCardsCommand({ MaxResults: 100 }));
    expect(cards.length).toBeGreaterThan(0);
    const imported = await prisma.modelCard.findMany({
      where: { modelVersion: { model: { sourceId: source.id } } },
      include: { revisions: true, modelVersion: true },
    });
    let expectedCount = 0;
    for (const summary of cards) {
      const latest = await sm.send(new DescribeModelCardCommand({ ModelCardName: summary.ModelCardName }));
      for (let v = 1; v <= (latest.ModelCardVersion ?? 0); v++) {
        const d = await sm.send(
          new DescribeModelCardCommand({ ModelCardName: summary.ModelCardName, ModelCardVersion: v }),
        );
        const content = JSON.parse(d.Content ?? "{}");
        const packageArn = content.additional_information.custom_details.model_package_arn;
        const card = imported.find((c) => c.modelVersion.arn === packageArn);
        expect(card, `card for ${packageArn}`).toBeDefined();
        expectedCount++;
        expect(card).toMatchObject({ status: "DRAFT", importedFrom: summary.ModelCardArn, latestRevision: 1 });
        expect(card?.revisions).toHaveLength(1);
        const revision = card?.revisions[0];
        expect(revision?.revision).toBe(1);
        expect(revision?.content).toMatchObject({
          sagemaker: content,
          intendedUses: `${content.intended_uses.purpose_of_model}\n\n${content.intended_uses.intended_uses}`,
          riskRating: content.intended_uses.risk_rating,
          ethicalConsiderations: content.additional_information.ethical_considerations,
          caveatsAndRecommendations: content.additional_information.caveats_and_recommendations,
          importedFrom: { modelCardArn: summary.ModelCardArn, modelCardVersion: v },
        });
        expect((revision?.content as { businessDetails?: string } | undefined)?.businessDetails ?? "").toContain(
          content.business_details.business_problem,
        );
      }
    }
    expect(imported).toHaveLength(expectedCount);
  });

  it("updates an approval change with one describe, rewriting nothing else", async () => {
    const group = await prisma.modelGroup.findFirstOrThrow({
      where: { sourceId: source.id, name: "size-recommendation" },
    });
    const pending = await prisma.modelVersion.findFirst({
      where: { modelId: group.id, approvalStatus: "PENDING_MANUAL_APPROVAL" },
    });
    const target =
      pending ??
      (await prisma.modelVersion.findFirstOrThrow({ where: { modelId: group.id }, orderBy: { version: "desc" } }));
    const next = target.approvalStatus === "PENDING_MANUAL_APPROVAL" ? "Approved" : "Rejected";
    await sm.send(new UpdateModelPackageCommand({ ModelPackageArn: target.arn as string, ModelApprovalStatus: next }));
    const before = await dump();
    await resetStats();
    changes.length = 0;
    await syncModelRegistry(ctx);
    const calls = await stats();
    expect(calls["sagemaker:DescribeModelPackage"]).toBe(1);
    expect(calls["sagemaker:DescribeModelCard"] ?? 0).toBe(0);
    const after = await dump();
    const updated = await prisma.modelVersion.findUniqueOrThrow({ where: { id: target.id } });
    expect(updated.approvalStatus).toBe(next === "Approved" ? "APPROVED" : "REJECTED");
    const strip = (rows: string[] | undefined, id: number, keys: string[]) =>
      (rows ?? []).map((r) => {
        const o = JSON.parse(r);
        if (o.id === id) for (const k of keys) delete o[k];
        return JSON.stringify(o);
      });
    expect(strip(after.versions, target.id, ["approval_status", "updated_at"])).toEqual(
      strip(before.versions, target.id, ["approval_status", "updated_at"]),
    );
    expect(strip(after.groups, group.id, ["version", "updated_at"])).toEqual(
      strip(before.groups, group.id, ["version", "updated_at"]),
    );
    for (const table of ["jobs", "metrics", "points", "cards", "revisions", "cursors"])
      expect(after[table]).toEqual(before[table]);
    expect(changes).toEqual([
      { topic: `model:${group.id}`, kind: "model", id: String(group.id), version: group.version + 1 },
      { topic: "models", kind: "model", id: String(group.id), version: group.version + 1 },
    ]);
  });

  it("never overwrites a card once it exists, even when SageMaker cards are read again", async () => {
    const card = await prisma.modelCard.findFirstOrThrow({
      where: { modelVersion: { model: { sourceId: source.id } } },
    });
    await prisma.modelCardRevision.create({
      data: { cardId: card.id, revision: 2, status: "DRAFT", content: { intendedUses: "edited" } },
    });
    await prisma.modelCard.update({ where: { id: card.id }, data: { latestRevision: 2 } });
    // Forget the card cursor so every SageMaker card version is described and matched again.
    await sql("UPDATE aws_source SET cursors = cursors - 'sagemakerModelCards' WHERE id = $1", [source.id]);
    const cardsBefore = (await dump()).cards;
    const revisionsBefore = (await dump()).revisions;
    await resetStats();
    await syncModelRegistry(ctx);
    expect((await stats())["sagemaker:DescribeModelCard"]).toBeGreaterThan(0);
    const after = await dump();
    expect(after.cards).toEqual(cardsBefore);
    expect(after.revisions).toEqual(revisionsBefore);
  });

  it("leaves every table byte-identical and calls no describe when everything is synced again", async () => {
    await syncModelRegistry(ctx);
    const before = await dump();
    changes.length = 0;
    await resetStats();
    for (const input of runs.values()) await syncJobsForSteps(ctx, input);
    await syncModelRegistry(ctx);
    expect(await pollRunningJobs(ctx)).toBe(0);
    const calls = await stats();
    expect(sdkCalls(calls, /Describe|cloudwatch:/)).toBe(0);
    expect(await dump()).toEqual(before);
    expect(changes).toEqual([]);
  });
});

afterAll(async () => {
  await pool.end().catch(() => undefined);
});
