/**
 * Drives the emulator with the real AWS SDK v3 clients, as the sync will: pagination of every list,
 * each demo pipeline to completion, history invariants, StopExecution / RedriveExecution semantics,
 * injected faults surfacing as SDK exceptions. No wall-clock thresholds: waits are "until done".
 */
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeModelCardCommand,
  DescribeModelPackageCommand,
  DescribeTrainingJobCommand,
  ListModelCardsCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  ListProcessingJobsCommand,
  ListTrainingJobsCommand,
  ListTransformJobsCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from "@aws-sdk/client-sagemaker";
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListMapRunsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flakyFanDefinition, hostMetricQuery } from "@/lib/sync/testing";
import { catalogue, type RunningEmulator, startEmulator } from "./index";
import { DISTRIBUTED_MAP_DEFINITION, isWaiting, runToFailedMapRun, settleMapItem } from "./testing";

const BACKFILL_END = Date.UTC(2026, 5, 15, 12, 0, 0);
let emu: RunningEmulator;
let sfn: SFNClient;
let sm: SageMakerClient;
let cw: CloudWatchClient;

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const clientConfig = (extra: object = {}) => ({ endpoint: emu.url, region: "eu-west-1", credentials, ...extra });

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    seed: "emulator-test",
    // A fixed clock: the back-fill (and so every assertion on its shape) is the same on every run.
    backfillEnd: BACKFILL_END,
    timeScale: 50_000,
    backfillRuns: 60,
    backfillDays: 30,
    scheduler: false,
    log: () => undefined,
  });
  sfn = new SFNClient(clientConfig());
  sm = new SageMakerClient(clientConfig());
  cw = new CloudWatchClient(clientConfig());
});

afterAll(async () => {
  await emu?.stop();
});

async function paginateAll<T>(fetchPage: (token?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const { items, next } = await fetchPage(token);
    all.push(...items);
    token = next;
  } while (token);
  return all;
}

async function historyOf(executionArn: string, pageSize = 1000): Promise<HistoryEvent[]> {
  return paginateAll(async (nextToken) => {
    const r = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: pageSize, nextToken }));
    return { items: r.events ?? [], next: r.nextToken };
  });
}

const FAILURE_TYPES = new Set([
  "TaskFailed",
  "ParallelStateFailed",
  "MapStateFailed",
  "MapIterationFailed",
  "FailStateEntered",
  "MapRunFailed",
]);
const TERMINAL = new Set(["ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"]);

/** The invariants the sync relies on; returns the list of violations (empty = fine). */
function historyViolations(events: HistoryEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((e, i) => {
    if (e.id !== i + 1) problems.push(`event #${i} has id ${e.id}`);
    if (e.previousEventId === undefined || e.previousEventId < 0 || e.previousEventId >= (e.id ?? 0))
      problems.push(`event ${e.id} previousEventId ${e.previousEventId}`);
    const prev = events[i - 1];
    if (prev?.timestamp && e.timestamp && e.timestamp < prev.timestamp)
      problems.push(`event ${e.id} goes back in time`);
  });
  if (events[0]?.type !== "ExecutionStarted") problems.push("first event is not ExecutionStarted");
  if (!TERMINAL.has(events.at(-1)?.type ?? "")) problems.push(`last event is ${events.at(-1)?.type}`);
  // Split into attempts (start, then each redrive); every attempt but the last ends in a failure.
  const attempts: HistoryEvent[][] = [[]];
  for (const e of events) {
    if (e.type === "ExecutionRedriven") attempts.push([]);
    attempts.at(-1)?.push(e);
  }
  for (const seg of attempts) {
    const end = seg.at(-1)?.type ?? "";
    if (!TERMINAL.has(end)) problems.push(`attempt ends with ${end}`);
    const stopped = end === "ExecutionFailed" || end === "ExecutionAborted";
    seg.forEach((e, i) => {
      if (!e.type?.endsWith("StateEntered")) return;
      const kind = e.type.replace("Entered", "");
      const name = e.stateEnteredEventDetails?.name;
      const matched = seg
        .slice(i + 1)
        .some(
          (x) =>
            (x.type === `${kind}Exited` && x.stateExitedEventDetails?.name === name) || FAILURE_TYPES.has(x.type ?? ""),
        );
      if (!matched && !stopped && e.type !== "FailStateEntered")
        problems.push(`${e.type} ${name} (id ${e.id}) never exited`);
    });
  }
  return problems;
}

const waitFor = async (check: () => Promise<boolean>) => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
};

describe("Step Functions API", () => {
  it("lists the demo state machines page by page, with tags and definitions", async () => {
    const machines = await paginateAll(async (nextToken) => {
      const r = await sfn.send(new ListStateMachinesCommand({ maxResults: 1, nextToken }));
      return { items: r.stateMachines ?? [], next: r.nextToken };
    });
    expect(machines.map((m) => m.name).sort()).toEqual(catalogue.map((p) => p.name).sort());
    for (const m of machines) {
      const d = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: m.stateMachineArn }));
      expect(JSON.parse(d.definition ?? "{}").StartAt).toBeTruthy();
      expect(d.revisionId).toBeTruthy();
      const tags = await sfn.send(new ListTagsForResourceCommand({ resourceArn: m.stateMachineArn }));
      const keys = (tags.tags ?? []).map((t) => t.key);
      expect(keys).toContain("team");
      expect(keys).toContain("stepwise:headline-metric");
    }
  });

  it("paginates executions newest first without duplicates, filters by status, rejects bad tokens", async () => {
    const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
    let total = 0;
    for (const m of stateMachines) {
      const full =
        (await sfn.send(new ListExecutionsCommand({ stateMachineArn: m.stateMachineArn, maxResults: 1000 })))
          .executions ?? [];
      const paged = await paginateAll(async (nextToken) => {
        const r = await sfn.send(
          new ListExecutionsCommand({ stateMachineArn: m.stateMachineArn, maxResults: 3, nextToken }),
        );
        return { items: r.executions ?? [], next: r.nextToken };
      });
      expect(paged.map((x) => x.executionArn)).toEqual(full.map((x) => x.executionArn));
      expect(new Set(paged.map((x) => x.executionArn)).size).toBe(paged.length);
      const starts = paged.map((x) => x.startDate?.getTime() ?? 0);
      expect(starts).toEqual([...starts].sort((a, b) => b - a));
      const failed =
        (await sfn.send(new ListExecutionsCommand({ stateMachineArn: m.stateMachineArn, statusFilter: "FAILED" })))
          .executions ?? [];
      expect(failed.every((x) => x.status === "FAILED")).toBe(true);
      expect(failed.length).toBe(full.filter((x) => x.status === "FAILED").length);
      total += full.length;
    }
    expect(total).toBe(60);
    const arn = stateMachines[0]?.stateMachineArn;
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, nextToken: "not-a-token" })),
    ).rejects.toMatchObject({ name: "InvalidToken" });
  });

  it("expires pagination tokens as AWS does (InvalidToken)", async () => {
    const short = await startEmulator({
      port: 0,
      tokenTtlMs: 1,
      backfillRuns: 5,
      scheduler: false,
      timeScale: 50_000,
      log: () => undefined,
    });
    try {
      const client = new SFNClient({ endpoint: short.url, region: "eu-west-1", credentials });
      const first = await client.send(new ListStateMachinesCommand({ maxResults: 1 }));
      expect(first.nextToken).toBeTruthy();
      await new Promise((r) => setTimeout(r, 10));
      await expect(
        client.send(new ListStateMachinesCommand({ maxResults: 1, nextToken: first.nextToken })),
      ).rejects.toMatchObject({ name: "InvalidToken" });
    } finally {
      await short.stop();
    }
  });

  it("raises the modelled exceptions for unknown resources", async () => {
    const missing = "arn:aws:states:eu-west-1:123456789012:execution:size-recommendation-training:nope";
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: missing }))).rejects.toMatchObject({
      name: "ExecutionDoesNotExist",
    });
    await expect(
      sfn.send(
        new DescribeStateMachineCommand({ stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:nope" }),
      ),
    ).rejects.toMatchObject({ name: "StateMachineDoesNotExist" });
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: "garbage" }))).rejects.toMatchObject({
      name: "InvalidArn",
    });
    await expect(sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "does-not-exist" }))).rejects.toMatchObject({
      name: "ResourceNotFound",
    });
  });

  it("keeps back-filled histories valid, in the past, and paginates them both ways", async () => {
    const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
    let checked = 0;
    for (const m of stateMachines) {
      const { executions = [] } = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: m.stateMachineArn, maxResults: 1000 }),
      );
      for (const x of executions) {
        const events = await historyOf(x.executionArn ?? "");
        expect(historyViolations(events), x.executionArn).toEqual([]);
        expect(x.status).not.toBe("RUNNING");
        expect((x.stopDate?.getTime() ?? 0) < Date.now()).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(60);
    const x = (
      await sfn.send(new ListExecutionsCommand({ stateMachineArn: stateMachines[0]?.stateMachineArn, maxResults: 1 }))
    ).executions?.[0];
    const forward = await historyOf(x?.executionArn ?? "", 4);
    const backward = await paginateAll(async (nextToken) => {
      const r = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: x?.executionArn, maxResults: 3, reverseOrder: true, nextToken }),
      );
      return { items: r.events ?? [], next: r.nextToken };
    });
    expect(backward.map((e) => e.id)).toEqual(forward.map((e) => e.id).reverse());
    const bare = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: x?.executionArn, includeExecutionData: false }),
    );
    expect(bare.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
    expect(forward[0]?.executionStartedEventDetails?.input).toBeDefined();
  });

  it.each(catalogue.map((p) => p.name))("runs %s to completion with an AWS-shaped history", async (pipeline) => {
    const [arn = ""] = emu.startDemoRun(pipeline);
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(running.status).toBe("RUNNING");
    await emu.waitForExecution(arn);
    const done = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(["SUCCEEDED", "FAILED"]).toContain(done.status);
    const events = await historyOf(arn);
    expect(historyViolations(events)).toEqual([]);
    const scheduled = events.filter((e) => e.type === "TaskScheduled");
    expect(scheduled.length).toBeGreaterThan(0);
    const training = scheduled.find((e) => e.taskScheduledEventDetails?.resource === "createTrainingJob.sync");
    expect(training?.taskScheduledEventDetails).toMatchObject({ resourceType: "sagemaker", region: "eu-west-1" });
    const params = JSON.parse(training?.taskScheduledEventDetails?.parameters ?? "{}");
    expect(params.AlgorithmSpecification.MetricDefinitions.length).toBeGreaterThan(0);
    if (done.status === "SUCCEEDED") {
      const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: params.TrainingJobName }));
      expect(job.TrainingJobStatus).toBe("Completed");
      expect(job.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual([
        "Starting",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
      ]);
      expect(job.BillableTimeInSeconds).toBeGreaterThan(0);
      expect(job.FinalMetricDataList?.length).toBe(params.AlgorithmSpecification.MetricDefinitions.length);
    }
  });

  it("records Map iterations, Parallel branches and Distributed Map runs", async () => {
    const byName = async (name: string) => {
      const smArn = `arn:aws:states:eu-west-1:123456789012:stateMachine:${name}`;
      const { executions = [] } = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: smArn, statusFilter: "SUCCEEDED", maxResults: 1 }),
      );
      return executions[0]?.executionArn ?? "";
    };
    const forecast = await historyOf(await byName("demand-forecast-per-market"));
    const started = forecast.filter((e) => e.type === "MapIterationStarted");
    expect(started.map((e) => e.mapIterationStartedEventDetails?.index).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(forecast.find((e) => e.type === "MapStateStarted")?.mapStateStartedEventDetails?.length).toBe(7);
    const returns = await historyOf(await byName("return-probability"));
    expect(returns.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        "ParallelStateEntered",
        "ParallelStateStarted",
        "ParallelStateSucceeded",
        "ParallelStateExited",
        "ChoiceStateEntered",
      ]),
    );
    const searchArn = await byName("search-ranking-ltr");
    const { mapRuns = [] } = await sfn.send(new ListMapRunsCommand({ executionArn: searchArn }));
    expect(mapRuns).toHaveLength(1);
    const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn: mapRuns[0]?.mapRunArn }));
    expect(run.status).toBe("SUCCEEDED");
    expect(run.itemCounts?.succeeded).toBe(8);
    const children = await sfn.send(new ListExecutionsCommand({ mapRunArn: mapRuns[0]?.mapRunArn }));
    expect(children.executions).toHaveLength(8);
  });
});

describe("StopExecution and RedriveExecution", () => {
  const definition = flakyFanDefinition();

  it("StopExecution aborts a running execution and makes it redrivable", async () => {
    const machine = emu.createStateMachine({
      name: "stop-me",
      definition: JSON.stringify({
        StartAt: "Sleep",
        States: { Sleep: { Type: "Wait", Seconds: 10_000_000, End: true } },
      }),
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.arn, input: "{}" }));
    await sfn.send(new StopExecutionCommand({ executionArn, error: "Manual", cause: "stopped by test" }));
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(d.status).toBe("ABORTED");
    expect(d.stopDate).toBeInstanceOf(Date);
    expect(d.redriveStatus).toBe("REDRIVABLE");
    const events = await historyOf(executionArn ?? "");
    expect(events.at(-1)?.type).toBe("ExecutionAborted");
    expect(events.at(-1)?.executionAbortedEventDetails).toEqual({ error: "Manual", cause: "stopped by test" });
    expect(historyViolations(events)).toEqual([]);
  });

  it("RedriveExecution reruns only the failed branch, on the same ARN and history", async () => {
    const machine = emu.createStateMachine({ name: "redrive-me", definition });
    emu.config.taskMode = "manual";
    try {
      const { executionArn = "" } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: machine.arn, name: "attempt", input: '{"x":1}' }),
      );
      const admin = `${emu.url}/__admin/executions/${encodeURIComponent(executionArn)}`;
      const waiting = async () => ((await (await fetch(admin)).json()) as { waiting: unknown[] }).waiting.length > 0;
      await waitFor(waiting);
      const failed = await fetch(`${admin}/advance`, {
        method: "POST",
        body: JSON.stringify({ outcome: "fail", reason: "boom" }),
      });
      expect(failed.status).toBe(200);
      await emu.waitForExecution(executionArn);
      const d1 = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(d1.status).toBe("FAILED");
      expect(d1.error).toBe("Lambda.Unknown");
      expect(d1.redriveStatus).toBe("REDRIVABLE");
      const before = await historyOf(executionArn);

      const r = await sfn.send(new RedriveExecutionCommand({ executionArn }));
      expect(r.redriveDate).toBeInstanceOf(Date);
      expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");
      await waitFor(waiting);
      await fetch(`${admin}/advance`, { method: "POST", body: "{}" });
      await emu.waitForExecution(executionArn);

      const d2 = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(d2).toMatchObject({ status: "SUCCEEDED", executionArn, redriveCount: 1, redriveStatus: "NOT_REDRIVABLE" });
      expect(d2.redriveDate).toBeInstanceOf(Date);
      const after = await historyOf(executionArn);
      expect(historyViolations(after)).toEqual([]);
      // The first attempt's events are kept verbatim; the redrive appends after them.
      expect(after.slice(0, before.length)).toEqual(before);
      const redriven = after[before.length];
      expect(redriven).toMatchObject({
        type: "ExecutionRedriven",
        previousEventId: before.length,
        executionRedrivenEventDetails: { redriveCount: 1 },
      });
      const rest = after.slice(before.length);
      const entered = rest.filter((e) => e.type?.endsWith("StateEntered")).map((e) => e.stateEnteredEventDetails?.name);
      // Prepare succeeded and the Quick branch succeeded: neither runs again.
      expect(entered).toEqual(["Fan", "Flaky", "Finish"]);
      await expect(sfn.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({
        name: "ExecutionNotRedrivable",
      });
    } finally {
      emu.config.taskMode = "auto";
    }
  });
});

describe("Redriving a Map Run (through its parent, as the AWS reference describes it)", () => {
  const definition = JSON.stringify(DISTRIBUTED_MAP_DEFINITION);
  const waitingIn = (arn: string) => isWaiting(emu, arn);
  const childrenOf = async (mapRunArn: string) =>
    ((await sfn.send(new ListExecutionsCommand({ mapRunArn }))).executions ?? []).sort((a, b) =>
      (a.name ?? "").localeCompare(b.name ?? ""),
    );
  /** Holds until the child of item `name` waits on its task, then settles it. */
  const settle = async (mapRunArn: string, name: string, outcome: "fail" | "ok") => {
    const status = await settleMapItem(emu, sfn, { mapRunArn, name, outcome, reason: `shard ${name} is empty` });
    expect(status).toBe(200);
  };

  it("reruns only the unsuccessful children, in place, and moves the Map Run's counts as DescribeMapRun defines them", async () => {
    const machine = emu.createStateMachine({ name: "map-run-redrive", definition });
    emu.config.taskMode = "manual";
    try {
      const { executionArn, mapRunArn } = await runToFailedMapRun(emu, sfn, {
        stateMachineArn: machine.arn,
        shards: [0, 1, 2],
        reason: (name) => `shard ${name} is empty`,
      });
      const failed = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
      expect(failed).toMatchObject({ status: "FAILED", redriveCount: 0 });
      expect(failed.redriveDate).toBeUndefined();
      expect(failed.executionCounts).toMatchObject({ total: 3, succeeded: 1, failed: 2, pendingRedrive: 0 });
      const before = await childrenOf(mapRunArn);
      const child0 = await sfn.send(new DescribeExecutionCommand({ executionArn: before[0]?.executionArn }));
      expect(child0).toMatchObject({ status: "FAILED", redriveStatus: "REDRIVABLE_BY_MAP_RUN", mapRunArn });
      // A child of a Map Run is redriven with its parent, never on its own.
      await expect(
        sfn.send(new RedriveExecutionCommand({ executionArn: before[0]?.executionArn })),
      ).rejects.toMatchObject({ name: "ExecutionNotRedrivable" });
      const history = await historyOf(executionArn);

      await sfn.send(new RedriveExecutionCommand({ executionArn }));
      // MaxConcurrency 1: child 0 runs again while child 1 waits its turn as PENDING_REDRIVE.
      await waitFor(async () => (await sfn.send(new DescribeMapRunCommand({ mapRunArn }))).status === "RUNNING");
      await waitFor(async () => waitingIn(before[0]?.executionArn ?? ""));
      const during = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
      expect(during.redriveCount).toBe(1);
      expect(during.redriveDate).toBeInstanceOf(Date);
      expect(during.itemCounts).toMatchObject({ total: 3, succeeded: 1, running: 1, failed: 0, pendingRedrive: 1 });
      expect((await childrenOf(mapRunArn)).map((c) => c.status)).toEqual(["RUNNING", "PENDING_REDRIVE", "SUCCEEDED"]);
      await settle(mapRunArn, "0", "ok");
      await settle(mapRunArn, "1", "ok");
      await emu.waitForExecution(executionArn);

      expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("SUCCEEDED");
      const done = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
      expect(done).toMatchObject({ status: "SUCCEEDED", redriveCount: 1 });
      expect(done.executionCounts).toMatchObject({ total: 3, succeeded: 3, failed: 0, pendingRedrive: 0 });
      expect((await sfn.send(new ListMapRunsCommand({ executionArn }))).mapRuns).toHaveLength(1);
      // Same child executions (STANDARD children are redriven in place), the succeeded one not run again.
      const after = await childrenOf(mapRunArn);
      expect(after.map((c) => c.executionArn)).toEqual(before.map((c) => c.executionArn));
      expect(after.map((c) => c.redriveCount ?? 0)).toEqual([1, 1, 0]);
      // The parent's history: ExecutionRedriven, then MapRunRedriven — no second MapStateEntered / MapRunStarted.
      const events = await historyOf(executionArn);
      expect(historyViolations(events)).toEqual([]);
      const rest = events.slice(history.length).map((e) => e.type);
      expect(rest).toEqual([
        "ExecutionRedriven",
        "MapRunRedriven",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
      ]);
      expect(events[history.length + 1]?.mapRunRedrivenEventDetails).toEqual({ mapRunArn, redriveCount: 1 });
    } finally {
      emu.config.taskMode = "auto";
    }
  });
});

describe("fault injection", () => {
  it("surfaces injected throttling as ThrottlingException and 5xx as a server error", async () => {
    const noRetry = new SFNClient(clientConfig({ maxAttempts: 1 }));
    const set = (body: object) => fetch(`${emu.url}/__admin/faults`, { method: "POST", body: JSON.stringify(body) });
    await set({ "sfn:ListStateMachines": { throttleCount: 1 } });
    await expect(noRetry.send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(noRetry.send(new ListStateMachinesCommand({}))).resolves.toBeTruthy();

    await set({ GetExecutionHistory: { throttleRate: 1 } });
    await expect(
      noRetry.send(
        new GetExecutionHistoryCommand({ executionArn: "arn:aws:states:eu-west-1:123456789012:execution:x:y" }),
      ),
    ).rejects.toMatchObject({ name: "ThrottlingException" });

    await set({ "sagemaker:*": { errorCount: 1 } });
    const smNoRetry = new SageMakerClient(clientConfig({ maxAttempts: 1 }));
    await expect(smNoRetry.send(new ListTrainingJobsCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 500 },
    });

    // The SDK's own retry absorbs a couple of throttles, which is what the sync will rely on.
    await fetch(`${emu.url}/__admin/reset`, { method: "POST" });
    await set({ "sfn:ListStateMachines": { throttleCount: 2 } });
    const retrying = new SFNClient(clientConfig({ maxAttempts: 3 }));
    await expect(retrying.send(new ListStateMachinesCommand({}))).resolves.toBeTruthy();
    const stats = (await (await fetch(`${emu.url}/__admin/stats`)).json()) as {
      calls: Record<string, number>;
      faults: Record<string, number>;
    };
    expect(stats.calls["sfn:ListStateMachines"]).toBe(3);
    expect(stats.faults["sfn:ListStateMachines:throttled"]).toBe(2);
    await fetch(`${emu.url}/__admin/reset`, { method: "POST" });
  });

  it("drops connections when asked to", async () => {
    emu.setFaults({ "sfn:ListStateMachines": { dropCount: 1 } });
    const noRetry = new SFNClient(clientConfig({ maxAttempts: 1 }));
    await expect(noRetry.send(new ListStateMachinesCommand({}))).rejects.toThrow();
    await expect(noRetry.send(new ListStateMachinesCommand({}))).resolves.toBeTruthy();
    emu.setFaults({});
  });
});

describe("SageMaker and metrics API", () => {
  it("paginates every SageMaker list", async () => {
    const trainingFull = await paginateAll(async (NextToken) => {
      const r = await sm.send(new ListTrainingJobsCommand({ MaxResults: 100, NextToken }));
      return { items: r.TrainingJobSummaries ?? [], next: r.NextToken };
    });
    const trainingPaged = await paginateAll(async (NextToken) => {
      const r = await sm.send(new ListTrainingJobsCommand({ MaxResults: 7, NextToken }));
      return { items: r.TrainingJobSummaries ?? [], next: r.NextToken };
    });
    expect(trainingPaged.map((j) => j.TrainingJobName)).toEqual(trainingFull.map((j) => j.TrainingJobName));
    expect(trainingFull.length).toBeGreaterThan(60);
    const processing = await paginateAll(async (NextToken) => {
      const r = await sm.send(new ListProcessingJobsCommand({ MaxResults: 5, NextToken }));
      return { items: (r.ProcessingJobSummaries ?? []).map((j) => j.ProcessingJobName), next: r.NextToken };
    });
    const transform = await paginateAll(async (NextToken) => {
      const r = await sm.send(new ListTransformJobsCommand({ MaxResults: 5, NextToken }));
      return { items: (r.TransformJobSummaries ?? []).map((j) => j.TransformJobName), next: r.NextToken };
    });
    for (const names of [processing, transform]) {
      expect(names.length).toBeGreaterThan(5);
      expect(new Set(names).size).toBe(names.length);
    }
    const groups = await paginateAll(async (NextToken) => {
      const r = await sm.send(new ListModelPackageGroupsCommand({ MaxResults: 1, NextToken }));
      return { items: r.ModelPackageGroupSummaryList ?? [], next: r.NextToken };
    });
    expect(groups).toHaveLength(4);
    let approved = 0;
    for (const g of groups) {
      const packages = await paginateAll(async (NextToken) => {
        const r = await sm.send(
          new ListModelPackagesCommand({ ModelPackageGroupName: g.ModelPackageGroupName, MaxResults: 2, NextToken }),
        );
        return { items: r.ModelPackageSummaryList ?? [], next: r.NextToken };
      });
      expect(packages.map((p) => p.ModelPackageVersion)).toEqual(packages.map((_, i) => i + 1));
      approved += packages.filter((p) => p.ModelApprovalStatus === "Approved").length;
      const first = packages[0];
      if (first) {
        const d = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: first.ModelPackageArn }));
        expect(Object.keys(d.CustomerMetadataProperties ?? {})).toContain("stepwise:headline-metric");
        expect(d.ModelMetrics?.ModelQuality?.Statistics?.S3Uri).toMatch(/^s3:\/\//);
      }
    }
    expect(approved).toBeGreaterThan(0);
    const cards = await paginateAll(async (NextToken) => {
      const r = await sm.send(new ListModelCardsCommand({ MaxResults: 1, NextToken }));
      return { items: r.ModelCardSummaries ?? [], next: r.NextToken };
    });
    expect(cards.length).toBeGreaterThan(0);
    const card = await sm.send(new DescribeModelCardCommand({ ModelCardName: cards[0]?.ModelCardName }));
    expect(JSON.parse(card.Content ?? "{}").model_overview.model_owner).toMatch(/^team /);
  });

  it("updates model package approval", async () => {
    const { ModelPackageSummaryList = [] } = await sm.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: "size-recommendation",
        ModelApprovalStatus: "PendingManualApproval",
        MaxResults: 1,
      }),
    );
    const arn = ModelPackageSummaryList[0]?.ModelPackageArn;
    expect(arn).toBeTruthy();
    await sm.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        ModelApprovalStatus: "Approved",
        ApprovalDescription: "test",
      }),
    );
    const d = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    expect(d.ModelApprovalStatus).toBe("Approved");
  });

  it("serves a training job's metrics through CloudWatch GetMetricData at the Periods its age still allows", async () => {
    const { TrainingJobSummaries = [] } = await sm.send(
      new ListTrainingJobsCommand({
        StatusEquals: "Completed",
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: 100,
      }),
    );
    // Ages from the account's present, the end of the back-fill (plus the seconds this file has run); the newest
    // back-filled job is half a day old. (Jobs of the live runs other tests started are from today: skipped.)
    const age = (j: { CreationTime?: Date }) => BACKFILL_END - (j.CreationTime?.getTime() ?? 0);
    const old = TrainingJobSummaries.find((j) => age(j) > 4 * 3_600_000 && age(j) < 14 * 86_400_000);
    expect(old).toBeDefined();
    const ask = async (name: string | undefined, period: number) => {
      const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
      const query = hostMetricQuery(job.TrainingJobName ?? "", job.FinalMetricDataList?.[0]?.MetricName);
      const r = await cw.send(
        new GetMetricDataCommand({
          StartTime: job.CreationTime,
          EndTime: new Date((job.TrainingEndTime?.getTime() ?? 0) + 1000),
          ScanBy: "TimestampAscending",
          MetricDataQueries: [{ ...query, MetricStat: { ...query.MetricStat, Period: period } }],
        }),
      );
      const series = r.MetricDataResults?.[0];
      const ts = series?.Timestamps?.map((t) => t.getTime()) ?? [];
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
      return { series, ts };
    };
    // 1-second data is gone after 3 hours, minutes are not (per-second answers: metrics.test.ts).
    expect((await ask(old?.TrainingJobName, 1)).series).toMatchObject({ Values: [], StatusCode: "Complete" });
    const perMinute = await ask(old?.TrainingJobName, 60);
    expect(perMinute.series?.Values?.length).toBeGreaterThan(5);
    expect(perMinute.ts.every((t) => t % 60_000 === 0)).toBe(true);
  });
});
