/**
 * The emulator's CloudWatch Logs against the CloudWatch Logs API reference (DescribeLogStreams,
 * GetLogEvents, LogStream, OutputLogEvent, the error shapes), through the real
 * @aws-sdk/client-cloudwatch-logs client and as raw awsJson1_1: members and JSON types as the reference's
 * response syntax gives them (the fixtures below are written from its examples), the token semantics it
 * states (both tokens always answered, the same token back at the end of the stream, a forward token
 * later reading only what was written since), its limits, and its errors. Then what the simulated jobs
 * write: SageMaker's stream names, one epoch line per epoch carrying the metrics' own values (read back
 * with the job's MetricDefinitions regexes), and a failure's traceback ending in its FailureReason.
 */
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  type GetLogEventsCommandInput,
  type GetLogEventsCommandOutput,
  type OutputLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator } from "@/lib/sync/testing";
import type { RunningEmulator } from "./index";
import { LOG_GROUPS, putLogEvents } from "./logs";
import { newMetricsStore } from "./metrics";
import {
  createSimpleJob,
  createTrainingJob,
  newSageMakerStore,
  simulateSimpleJob,
  simulateTraining,
  type TrainingPlan,
} from "./sagemaker";
import { type JsonObject, VirtualClock } from "./util";

// ── Fixtures written from the API reference's response syntax and examples ──

/** DescribeLogStreams → LogStream (the deprecated uploadSequenceToken may still be answered). */
const DESCRIBE_LOG_STREAMS_FIXTURE = {
  logStreams: [
    {
      logStreamName: "my-log-stream-1",
      creationTime: 1393545091447,
      firstEventTimestamp: 1393545091447,
      lastEventTimestamp: 1393545091447,
      lastIngestionTime: 1393545091447,
      uploadSequenceToken: "88602967394531410094953670125156212707622379445839968487",
      arn: "arn:aws:logs:us-east-1:123456789012:log-group:my-log-group-1:log-stream:my-log-stream-1",
      storedBytes: 0,
    },
  ],
  nextToken: "some-opaque-token",
};

/** GetLogEvents → OutputLogEvent; both tokens present in every answer. */
const GET_LOG_EVENTS_FIXTURE = {
  events: [{ ingestionTime: 1396035394997, timestamp: 1396035378988, message: "Example Event 1" }],
  nextBackwardToken: "b/31132629274945519779805322857203735586714454643391594505",
  nextForwardToken: "f/31132629323784151764587387538205132201699397759403884544",
};

/** awsJson1_1 errors: `__type` and `message`. */
const ERROR_FIXTURE = { __type: "ResourceNotFoundException", message: "The specified log group does not exist." };

type Shape = Map<string, string>;
function shapeOf(value: unknown, path = "", out: Shape = new Map()): Shape {
  if (Array.isArray(value)) for (const item of value) shapeOf(item, `${path}[]`, out);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.set(`${path}.${k}`, Array.isArray(v) ? "array" : v === null ? "null" : typeof v);
      shapeOf(v, `${path}.${k}`, out);
    }
  }
  return out;
}
function expectConforms(answer: unknown, reference: unknown, required: string[]) {
  const allowed = shapeOf(reference);
  const sent = shapeOf(answer);
  expect(
    [...sent.keys()].filter((k) => !allowed.has(k)),
    "members the reference does not define",
  ).toEqual([]);
  expect(
    [...sent].filter(([k, t]) => allowed.get(k) !== t).map(([k, t]) => `${k}: ${t}`),
    "JSON types",
  ).toEqual([]);
  for (const r of required) expect(sent.has(r), `required ${r}`).toBe(true);
}

let emu: RunningEmulator;
let logs: CloudWatchLogsClient;
beforeAll(async () => {
  emu = await startTestEmulator({ backfillRuns: 6 });
  logs = new CloudWatchLogsClient({
    endpoint: emu.url,
    region: emu.region,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  logs?.destroy();
  await emu?.stop();
});
afterEach(() => emu.setFaults({}));

async function raw(op: string, body: JsonObject): Promise<{ status: number; headers: Headers; json: unknown }> {
  const response = await fetch(emu.url, {
    method: "POST",
    headers: { "x-amz-target": `Logs_20140328.${op}`, "content-type": "application/x-amz-json-1.1" },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

const T0 = 1_780_000_000_000;
const GROUP = LOG_GROUPS.training;
/** A stream of `count` known events, one a second. */
function seedStream(name: string, count: number, from = 0): void {
  putLogEvents(
    emu.logs,
    GROUP,
    name,
    Array.from({ length: count }, (_, i) => ({
      timestamp: T0 + (from + i) * 1000,
      message: `line ${from + i}`,
      ingestionTime: T0 + (from + i) * 1000 + 250,
    })),
  );
}
/** One GetLogEvents of a stream of GROUP. */
type ReadParams = Omit<GetLogEventsCommandInput, "logGroupName" | "logGroupIdentifier" | "logStreamName">;
const read = (stream: string, params: ReadParams = {}) =>
  logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, ...params }));
const messages = (events: OutputLogEvent[] | undefined) => (events ?? []).map((e) => e.message);
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => `line ${a + i}`);

describe("the emulator's CloudWatch Logs answer as the API reference defines", () => {
  it("answers DescribeLogStreams and GetLogEvents with the reference's members, JSON types and token shapes", async () => {
    seedStream("shape-job/algo-1-1780000000", 5);
    const listed = await raw("DescribeLogStreams", { logGroupName: GROUP, logStreamNamePrefix: "shape-job/" });
    expect(listed.status).toBe(200);
    expect(listed.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expectConforms(listed.json, DESCRIBE_LOG_STREAMS_FIXTURE, [".logStreams", ".logStreams[].logStreamName"]);
    expect(listed.json).toMatchObject({
      logStreams: [
        {
          logStreamName: "shape-job/algo-1-1780000000",
          creationTime: T0,
          firstEventTimestamp: T0,
          lastEventTimestamp: T0 + 4000,
          lastIngestionTime: T0 + 4250,
          arn: `arn:aws:logs:${emu.region}:${emu.accountId}:log-group:${GROUP}:log-stream:shape-job/algo-1-1780000000`,
          storedBytes: 0,
        },
      ],
    });

    const events = await raw("GetLogEvents", { logGroupName: GROUP, logStreamName: "shape-job/algo-1-1780000000" });
    expect(events.status).toBe(200);
    expectConforms(events.json, GET_LOG_EVENTS_FIXTURE, [".events", ".nextForwardToken", ".nextBackwardToken"]);
    const body = events.json as typeof GET_LOG_EVENTS_FIXTURE;
    expect(body.nextForwardToken).toMatch(/^f\/\d{56}$/);
    expect(body.nextBackwardToken).toMatch(/^b\/\d{56}$/);
    expect(body.events[0]).toEqual({ timestamp: T0, message: "line 0", ingestionTime: T0 + 250 });

    const missing = await raw("GetLogEvents", { logGroupName: "/aws/sagemaker/Nothing", logStreamName: "x" });
    expect(missing.status).toBe(400);
    expect(missing.headers.get("x-amzn-errortype")).toBe("ResourceNotFoundException");
    expectConforms(missing.json, ERROR_FIXTURE, [".__type", ".message"]);
    expect(missing.json).toEqual(ERROR_FIXTURE);
  });

  it("pages GetLogEvents from the end, backwards to the start, and answers the same token at either end", async () => {
    const stream = "paging-job/algo-1-1780000000";
    seedStream(stream, 25);
    // Backwards, ten lines a page, each with the backward token of the page before: at the start, the same token.
    const backwards: { lines: string[]; token?: "same" }[] = [
      { lines: range(15, 25) },
      { lines: range(5, 15) },
      { lines: range(0, 5) },
      { lines: [], token: "same" },
    ];
    let last: GetLogEventsCommandOutput | undefined;
    let backward: string | undefined;
    for (const [i, step] of backwards.entries()) {
      const page = await read(stream, { limit: 10, nextToken: backward });
      expect(messages(page.events), `page ${i}`).toEqual(step.lines);
      if (step.token === "same") expect(page.nextBackwardToken, `page ${i}`).toBe(backward);
      last ??= page;
      backward = page.nextBackwardToken;
    }

    // Forwards from the last page: the token comes back unchanged until something is written, then exactly the
    // new lines.
    const forwards: { write: number; lines: string[] }[] = [
      { write: 0, lines: [] },
      { write: 3, lines: range(25, 28) },
      { write: 0, lines: [] },
    ];
    let forward = last?.nextForwardToken;
    let written = 25;
    for (const [i, step] of forwards.entries()) {
      if (step.write > 0) seedStream(stream, step.write, written);
      written += step.write;
      const page = await read(stream, { nextToken: forward, startFromHead: true });
      expect(messages(page.events), `tail ${i}`).toEqual(step.lines);
      if (step.lines.length === 0) expect(page.nextForwardToken, `tail ${i}`).toBe(forward);
      forward = page.nextForwardToken;
    }
  });

  it("reads from the head when asked, filters by time, and holds limit to 1–10,000", async () => {
    const stream = "head-job/algo-1-1780000000";
    seedStream(stream, 25);
    const head = await read(stream, { limit: 10, startFromHead: true });
    expect(messages(head.events)).toEqual(range(0, 10));
    const cases: [string, ReadParams, string[]][] = [
      [
        "the next page from the head",
        { limit: 10, nextToken: head.nextForwardToken, startFromHead: true },
        range(10, 20),
      ],
      // startTime inclusive, endTime exclusive.
      ["a time window", { startTime: T0 + 3000, endTime: T0 + 6000, startFromHead: true }, range(3, 6)],
    ];
    for (const [what, params, lines] of cases)
      expect(messages((await read(stream, params)).events), what).toEqual(lines);
    const refused: [string, string, ReadParams][] = [
      ["limit 0", stream, { limit: 0 }],
      ["limit 10,001", stream, { limit: 10_001 }],
      ["a token of another stream", "paging-job/algo-1-1780000000", { nextToken: head.nextForwardToken }],
    ];
    for (const [what, name, params] of refused) {
      await expect(read(name, params), what).rejects.toMatchObject({ name: "InvalidParameterException" });
    }
  });

  it("takes the group by name or ARN, not both, and answers ResourceNotFoundException for a missing group or stream", async () => {
    const stream = "ident-job/algo-1-1780000000";
    seedStream(stream, 2);
    const byArn = await logs.send(
      new GetLogEventsCommand({
        logGroupIdentifier: `arn:aws:logs:${emu.region}:${emu.accountId}:log-group:${GROUP}`,
        logStreamName: stream,
      }),
    );
    expect(messages(byArn.events)).toEqual(range(0, 2));
    const refused: [string, GetLogEventsCommandInput, { name: string; message?: string }][] = [
      [
        "name and ARN",
        { logGroupName: GROUP, logGroupIdentifier: GROUP, logStreamName: stream },
        { name: "InvalidParameterException" },
      ],
      [
        "a missing group",
        { logGroupName: "/aws/sagemaker/Endpoints/none", logStreamName: stream },
        { name: "ResourceNotFoundException", message: "The specified log group does not exist." },
      ],
      [
        "a missing stream",
        { logGroupName: GROUP, logStreamName: "ident-job/algo-2-1" },
        { name: "ResourceNotFoundException", message: "The specified log stream does not exist." },
      ],
    ];
    for (const [what, input, error] of refused) {
      await expect(logs.send(new GetLogEventsCommand(input)), what).rejects.toMatchObject(error);
    }
  });

  it("lists streams by prefix or by last event time (not both), descending on request, 1–50 a page", async () => {
    for (const n of [1, 2, 3]) seedStream(`list-job/algo-${n}-1780000000`, n);
    const all = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: "list-job/" }),
    );
    expect(all.logStreams?.map((s) => s.logStreamName)).toEqual([
      "list-job/algo-1-1780000000",
      "list-job/algo-2-1780000000",
      "list-job/algo-3-1780000000",
    ]);
    const first = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: GROUP,
        logStreamNamePrefix: "list-job/",
        descending: true,
        limit: 2,
      }),
    );
    expect(first.logStreams?.map((s) => s.logStreamName)).toEqual([
      "list-job/algo-3-1780000000",
      "list-job/algo-2-1780000000",
    ]);
    const rest = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: GROUP,
        logStreamNamePrefix: "list-job/",
        descending: true,
        limit: 2,
        nextToken: first.nextToken,
      }),
    );
    expect(rest.logStreams?.map((s) => s.logStreamName)).toEqual(["list-job/algo-1-1780000000"]);
    expect(rest.nextToken).toBeUndefined();
    await expect(
      logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: GROUP,
          logStreamNamePrefix: "list-job/",
          orderBy: "LastEventTime",
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterException" });
    await expect(logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, limit: 51 }))).rejects.toMatchObject({
      name: "InvalidParameterException",
    });
  });

  it("answers AccessDeniedException as AWS words it when the role lacks logs:GetLogEvents", async () => {
    seedStream("denied-job/algo-1-1780000000", 1);
    emu.setFaults({ "logs:GetLogEvents": { deny: true } });
    await expect(
      logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "denied-job/algo-1-1780000000" })),
    ).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: expect.stringMatching(
        /is not authorized to perform: logs:GetLogEvents because no identity-based policy/,
      ),
    });
    // Listing is a separate permission, still granted.
    const listed = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: "denied-job/" }),
    );
    expect(listed.logStreams).toHaveLength(1);
  });
});

describe("what the emulator's SageMaker jobs write", () => {
  it("writes the back-filled training jobs' epochs with the values of their final metrics", async () => {
    const streams = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: "LastEventTime", descending: true }),
    );
    const jobStreams = (streams.logStreams ?? []).filter((s) => /-train-/.test(s.logStreamName ?? ""));
    expect(jobStreams.length).toBeGreaterThan(0);
    let checked = 0;
    for (const s of jobStreams) {
      const name = s.logStreamName ?? "";
      expect(name).toMatch(/^[a-zA-Z0-9-]+\/algo-1-\d{10}$/);
      const job = name.slice(0, name.indexOf("/"));
      const described = (await (
        await fetch(emu.url, {
          method: "POST",
          headers: { "x-amz-target": "SageMaker.DescribeTrainingJob", "content-type": "application/x-amz-json-1.1" },
          body: JSON.stringify({ TrainingJobName: job }),
        })
      ).json()) as {
        TrainingJobStatus: string;
        TrainingStartTime: number;
        FailureReason?: string;
        FinalMetricDataList: { MetricName: string; Value: number }[];
        AlgorithmSpecification: { MetricDefinitions: { Name: string; Regex: string }[] };
      };
      expect(name).toBe(`${job}/algo-1-${Math.floor(described.TrainingStartTime)}`);
      const { events = [] } = await logs.send(
        new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: name, startFromHead: true }),
      );
      const lines = messages(events);
      if (described.TrainingJobStatus === "Failed") {
        expect(lines.at(-1)).toBe(described.FailureReason);
        expect(lines).toContain("Traceback (most recent call last):");
        continue;
      }
      if (described.TrainingJobStatus !== "Completed") continue;
      const epochLines = lines.filter((l) => l?.startsWith("[epoch "));
      expect(epochLines.length).toBeGreaterThan(0);
      // SageMaker reads metrics from the log with the definitions' regexes: the last epoch's are the final ones.
      const lastEpoch = epochLines.at(-1) ?? "";
      for (const def of described.AlgorithmSpecification.MetricDefinitions) {
        const found = new RegExp(def.Regex).exec(lastEpoch);
        const final = described.FinalMetricDataList.find((m) => m.MetricName === def.Name);
        expect(Number(found?.[1]), `${def.Name} in ${lastEpoch}`).toBe(final?.Value);
      }
      expect(lines.at(-1)).toMatch(/Reporting training SUCCESS$/);
      expect(lines.some((l) => l?.includes("Uploading the model artifacts to s3://"))).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("writes a failed training job's traceback, ending in its FailureReason, at the simulated time", async () => {
    // A job of its own store whose logs go to the emulator's, run on a virtual clock: the same lines every time.
    const store = { ...newSageMakerStore(emu.accountId, emu.region), logs: emu.logs };
    const clock = new VirtualClock(T0);
    const job = createTrainingJob(
      store,
      {
        TrainingJobName: "contract-fails",
        AlgorithmSpecification: {
          TrainingImage: "train:1",
          MetricDefinitions: [{ Name: "validation:auc", Regex: "val_auc=([0-9\\.]+)" }],
        },
        ResourceConfig: { InstanceType: "ml.g5.xlarge", InstanceCount: 1 },
      },
      clock.now(),
    );
    const plan: TrainingPlan = {
      phases: { starting: 60, downloading: 30, training: 400, uploading: 20 },
      series: { "validation:auc": [0.61, 0.7, 0.74, 0.76] },
      failure: { atEpoch: 2, reason: "AlgorithmError: CUDA out of memory. Tried to allocate 2.50 GiB" },
    };
    await clock.run(simulateTraining(job, plan, newMetricsStore(), clock, new AbortController().signal));
    expect(job.status).toBe("Failed");
    const stream = `contract-fails/algo-1-${(T0 + 60_000) / 1000}`;
    const { events = [] } = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true }),
    );
    const lines = messages(events);
    expect(lines.filter((l) => l?.startsWith("[epoch "))).toEqual([
      "[epoch 1/4] val_auc=0.61",
      "[epoch 2/4] val_auc=0.7",
    ]);
    const traceback = lines.indexOf("Traceback (most recent call last):");
    expect(traceback).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe(plan.failure?.reason);
    expect(events.at(-1)?.timestamp).toBe(job.endTime);
    expect(events[0]?.timestamp).toBe(T0 + 60_000);
  });

  it("names processing and transform streams as SageMaker does (a transform job also has its data-log)", async () => {
    const store = { ...newSageMakerStore(emu.accountId, emu.region), logs: emu.logs };
    const clock = new VirtualClock(T0);
    const processing = createSimpleJob(store, "processing", { ProcessingJobName: "contract-features" }, clock.now());
    const transform = createSimpleJob(store, "transform", { TransformJobName: "contract-score" }, clock.now());
    await clock.run(
      Promise.all([
        simulateSimpleJob(
          processing,
          400,
          "ClientError: Input partition is empty",
          clock,
          new AbortController().signal,
        ),
        simulateSimpleJob(transform, 300, undefined, clock, new AbortController().signal),
      ]),
    );
    const started = (T0 + 180_000) / 1000;
    const p = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: LOG_GROUPS.processing, logStreamNamePrefix: "contract-features/" }),
    );
    expect(p.logStreams?.map((s) => s.logStreamName)).toEqual([`contract-features/algo-1-${started}`]);
    const failed = await logs.send(
      new GetLogEventsCommand({
        logGroupName: LOG_GROUPS.processing,
        logStreamName: `contract-features/algo-1-${started}`,
      }),
    );
    expect(messages(failed.events)).toContain("Traceback (most recent call last):");
    expect(messages(failed.events).at(-1)).toBe("ClientError: Input partition is empty");

    const t = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: LOG_GROUPS.transform, logStreamNamePrefix: "contract-score/" }),
    );
    const names = t.logStreams?.map((s) => s.logStreamName ?? "") ?? [];
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(new RegExp(`^contract-score/i-[0-9a-f]{17}-${started}$`));
    expect(names[1]).toBe(`${names[0]}/data-log`);
    const { events = [] } = await logs.send(
      new GetLogEventsCommand({ logGroupName: LOG_GROUPS.transform, logStreamName: names[0] }),
    );
    expect(messages(events).at(-1)).toMatch(/^\d{4}-\d\d-\d\d [\d:,]+ INFO Batch transform complete: \d+ objects$/);
  });
});
