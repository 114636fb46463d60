/**
 * Reading a job's logs on demand (lib/runs/logs.ts) and its route (GET /api/v1/runs/{id}/logs).
 *
 * Hostile first: answers shaped as the CloudWatch Logs API reference allows but the emulator never sends
 * (an empty page that still has tokens, events without ingestionTime or message, AccessDeniedException,
 * ResourceNotFoundException, throttling), served by a tiny awsJson1_1 stand-in to the real
 * @aws-sdk/client-cloudwatch-logs client; missing and forged credentials, bad parameters and unknown
 * runs/steps against the route. Then the whole path against the emulator: a synced demo run's training
 * step, its last lines, the earlier page, and the tail reading only what was written since.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as logsRoute } from "@/app/api/v1/runs/[runId]/logs/route";
import { cookieNames } from "@/lib/auth/config";
import { pool } from "@/lib/db";
import type { RunningEmulator } from "@/lib/emulator";
import { putLogEvents } from "@/lib/emulator/logs";
import { AppError } from "@/lib/errors";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { runSourcePass } from "@/lib/sync/pass";
import { memoryLogger, startTestApiSource, type TestApiSource } from "@/lib/sync/testing";
import { LogsAccessDenied, readJobLogs } from "./logs";
import type { JobLogPage } from "./logs-schema";

// ─────────────────────────── an AWS stand-in answering fixtures ───────────────────────────

type Fixture = { status?: number; body: Record<string, unknown> };
type Seen = { op: string; body: Record<string, unknown> };

/** Answers each operation with its queued fixtures in order (awsJson1_1, errors as `__type` + message). */
async function fixtureServer() {
  const queue: Record<string, Fixture[]> = {};
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString("utf8");
    });
    req.on("end", () => {
      const op = String(req.headers["x-amz-target"] ?? "").replace(/^Logs_20140328\./, "");
      seen.push({ op, body: JSON.parse(text || "{}") as Record<string, unknown> });
      const next = queue[op]?.shift() ?? { status: 500, body: { __type: "InternalFailure", message: "no fixture" } };
      const payload = JSON.stringify(next.body);
      const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.1" };
      if ((next.status ?? 200) >= 400) headers["x-amzn-errortype"] = String(next.body.__type);
      res.writeHead(next.status ?? 200, headers);
      res.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new CloudWatchLogsClient({
    endpoint: url,
    region: "eu-west-1",
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
    maxAttempts: 3,
    retryMode: "standard",
  });
  return {
    client,
    seen,
    answer(op: string, ...fixtures: Fixture[]) {
      queue[op] = [...(queue[op] ?? []), ...fixtures];
    },
    reset() {
      seen.length = 0;
      for (const k of Object.keys(queue)) delete queue[k];
    },
    async close() {
      client.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * A counting STS stand-in (awsQuery: a form-encoded request, the XML answer of the STS API reference's
 * AssumeRole): every role assumed, with its external id; the credentials it hands out last `lifetimeMs`.
 */
async function stsStandIn() {
  const assumed: { roleArn: string | null; externalId: string | null }[] = [];
  const state = { lifetimeMs: 3_600_000 };
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString("utf8");
    });
    req.on("end", () => {
      const form = new URLSearchParams(text);
      if (form.get("Action") !== "AssumeRole") {
        res.writeHead(400, { "content-type": "text/xml" });
        res.end("<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>");
        return;
      }
      assumed.push({ roleArn: form.get("RoleArn"), externalId: form.get("ExternalId") });
      const expiration = new Date(Date.now() + state.lifetimeMs).toISOString();
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
          `<Credentials><AccessKeyId>ASIASTANDIN${assumed.length}</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>` +
          `<SessionToken>session-${assumed.length}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
          `<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/stepwise-read/stepwise</Arn>` +
          `<AssumedRoleId>AROASTANDIN:stepwise</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>` +
          `<ResponseMetadata><RequestId>standin-${assumed.length}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    assumed,
    state,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const JOB = "size-rec-0042-train-00";
const STREAM = `${JOB}/algo-1-1780000000`;
const streamsFixture: Fixture = {
  body: {
    logStreams: [
      {
        logStreamName: STREAM,
        creationTime: 1780000000000,
        firstEventTimestamp: 1780000000100,
        lastEventTimestamp: 1780000099000,
        lastIngestionTime: 1780000099400,
        arn: `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:${STREAM}`,
        storedBytes: 0,
      },
    ],
  },
};
const B1 = "b/31132629274945519779805322857203735586714454643391594505";
const B0 = "b/31132629274945519779805322857203735586714454643391590000";
const F1 = "f/31132629323784151764587387538205132201699397759403884544";
const F2 = "f/31132629323784151764587387538205132201699397759403889999";
const event = (t: number, message: string) => ({ timestamp: t, message, ingestionTime: t + 300 });
const denied = (action: string): Fixture => ({
  status: 400,
  body: {
    __type: "AccessDeniedException",
    message: `User: arn:aws:sts::123456789012:assumed-role/stepwise-read/stepwise is not authorized to perform: ${action} on resource: arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:${STREAM} because no identity-based policy allows the ${action} action`,
  },
});
const notFoundFixture = (what: "group" | "stream"): Fixture => ({
  status: 400,
  body: { __type: "ResourceNotFoundException", message: `The specified log ${what} does not exist.` },
});

describe("readJobLogs against answers written from the API reference", () => {
  let aws: Awaited<ReturnType<typeof fixtureServer>>;
  beforeAll(async () => {
    aws = await fixtureServer();
  });
  afterAll(async () => {
    await aws?.close();
  });

  it("pages from the end: lists the job's streams by its name, reads the last lines, keeps both tokens", async () => {
    aws.reset();
    aws.answer("DescribeLogStreams", streamsFixture);
    aws.answer("GetLogEvents", {
      body: { events: [event(1, "a"), event(2, "b"), event(3, "c")], nextBackwardToken: B1, nextForwardToken: F1 },
    });
    const page = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, limit: 3 });
    expect(aws.seen).toEqual([
      {
        op: "DescribeLogStreams",
        body: { logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: `${JOB}/`, limit: 50 },
      },
      {
        op: "GetLogEvents",
        body: { logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: STREAM, limit: 3, startFromHead: false },
      },
    ]);
    expect(page).toMatchObject({
      job: { name: JOB, kind: "TRAINING" },
      stream: STREAM,
      streams: [{ name: STREAM, firstEventAt: 1780000000100, lastEventAt: 1780000099000 }],
      events: [
        { timestamp: 1, message: "a", ingestionTime: 301 },
        { timestamp: 2, message: "b", ingestionTime: 302 },
        { timestamp: 3, message: "c", ingestionTime: 303 },
      ],
      before: B1,
      after: F1,
      reason: null,
    });
  });

  it("reads earlier lines with the backward token, and knows the start when AWS answers the same token", async () => {
    aws.reset();
    aws.answer("DescribeLogStreams", streamsFixture, streamsFixture);
    aws.answer(
      "GetLogEvents",
      { body: { events: [event(0, "first")], nextBackwardToken: B0, nextForwardToken: F1 } },
      { body: { events: [], nextBackwardToken: B0, nextForwardToken: F1 } },
    );
    const earlier = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, before: B1, limit: 3 });
    expect(aws.seen[1]?.body).toMatchObject({ nextToken: B1, startFromHead: false });
    expect(earlier.events.map((e) => e.message)).toEqual(["first"]);
    // One line where three were asked for: that was the start.
    expect(earlier.before).toBeNull();
    const atStart = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, before: B0, limit: 3 });
    expect(atStart.events).toEqual([]);
    expect(atStart.before).toBeNull();
  });

  it("keeps paging back through an empty page that carries a new token (AWS may answer one mid-stream)", async () => {
    aws.reset();
    aws.answer("DescribeLogStreams", streamsFixture);
    aws.answer("GetLogEvents", { body: { events: [], nextBackwardToken: B0, nextForwardToken: F1 } });
    const page = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, before: B1, limit: 200 });
    expect(page.events).toEqual([]);
    expect(page.before).toBe(B0);
  });

  it("tails with the forward token and startFromHead, answering only the new lines", async () => {
    aws.reset();
    aws.answer("DescribeLogStreams", streamsFixture, streamsFixture);
    aws.answer(
      "GetLogEvents",
      { body: { events: [event(4, "new 1"), event(5, "new 2")], nextBackwardToken: B1, nextForwardToken: F2 } },
      { body: { events: [], nextBackwardToken: B1, nextForwardToken: F2 } },
    );
    const tail = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, after: F1, limit: 200 });
    expect(aws.seen[1]?.body).toMatchObject({ nextToken: F1, startFromHead: true });
    expect(tail.events.map((e) => e.message)).toEqual(["new 1", "new 2"]);
    expect(tail.after).toBe(F2);
    const idle = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, after: F2, limit: 200 });
    expect(idle.events).toEqual([]);
    expect(idle.after).toBe(F2);
  });

  it("takes events as the reference allows them: no ingestionTime is null, no message or timestamp is dropped", async () => {
    aws.reset();
    aws.answer("DescribeLogStreams", streamsFixture);
    aws.answer("GetLogEvents", {
      body: {
        events: [
          { timestamp: 10, message: "kept" },
          { timestamp: 11 },
          { message: "no time" },
          event(12, "<b>not html</b>"),
        ],
        nextBackwardToken: B1,
        nextForwardToken: F1,
      },
    });
    const page = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, limit: 200 });
    expect(page.events).toEqual([
      { timestamp: 10, message: "kept", ingestionTime: null },
      { timestamp: 12, message: "<b>not html</b>", ingestionTime: 312 },
    ]);
  });

  it("an empty last page with tokens is an empty log, not an error", async () => {
    aws.reset();
    aws.answer("DescribeLogStreams", streamsFixture);
    aws.answer("GetLogEvents", { body: { events: [], nextBackwardToken: B1, nextForwardToken: F1 } });
    const page = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, limit: 200 });
    expect(page).toMatchObject({ events: [], before: null, after: F1, reason: null, stream: STREAM });
  });

  it("turns AccessDeniedException into a 403 naming the missing permission", async () => {
    aws.reset();
    aws.answer("DescribeLogStreams", streamsFixture, denied("logs:DescribeLogStreams"));
    aws.answer("GetLogEvents", denied("logs:GetLogEvents"));
    const events = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, limit: 200 }).catch((e) => e);
    expect(events).toBeInstanceOf(LogsAccessDenied);
    expect(events).toBeInstanceOf(AppError);
    expect(events).toMatchObject({ status: 403, permission: "logs:GetLogEvents" });
    expect((events as Error).message).toBe(
      "Stepwise's role lacks logs:GetLogEvents on /aws/sagemaker/TrainingJobs, so the job's logs cannot be shown.",
    );
    const listing = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, limit: 200 }).catch((e) => e);
    expect(listing).toMatchObject({ status: 403, permission: "logs:DescribeLogStreams" });
  });

  it("answers ResourceNotFoundException (no group, no stream) as an empty log with its reason", async () => {
    aws.reset();
    aws.answer("DescribeLogStreams", notFoundFixture("group"), { body: { logStreams: [] } }, streamsFixture);
    aws.answer("GetLogEvents", notFoundFixture("stream"));
    const noGroup = await readJobLogs(aws.client, { kind: "PROCESSING", jobName: JOB, limit: 200 });
    expect(noGroup).toMatchObject({ events: [], reason: "no_log_group", logGroup: "/aws/sagemaker/ProcessingJobs" });
    expect(noGroup.note).toMatch(/written nothing/);
    const noStreams = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, limit: 200 });
    expect(noStreams).toMatchObject({ events: [], reason: "no_streams", streams: [] });
    const noStream = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, limit: 200 });
    expect(noStream).toMatchObject({ events: [], reason: "no_stream", streams: [{ name: STREAM }] });
  });

  it("retries throttling with the SDK's standard retry", async () => {
    aws.reset();
    aws.answer("DescribeLogStreams", streamsFixture);
    aws.answer(
      "GetLogEvents",
      { status: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } },
      { body: { events: [event(1, "after a throttle")], nextBackwardToken: B1, nextForwardToken: F1 } },
    );
    const page = await readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, limit: 200 });
    expect(page.events.map((e) => e.message)).toEqual(["after a throttle"]);
    expect(aws.seen.filter((s) => s.op === "GetLogEvents")).toHaveLength(2);
  });

  it("refuses a stream of another job, and answers a refused token as the caller's 400", async () => {
    aws.reset();
    aws.answer("DescribeLogStreams", streamsFixture, streamsFixture);
    aws.answer("GetLogEvents", {
      status: 400,
      body: { __type: "InvalidParameterException", message: "The specified nextToken is invalid." },
    });
    await expect(
      readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, stream: "other-job/algo-1-1", limit: 200 }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      readJobLogs(aws.client, { kind: "TRAINING", jobName: JOB, after: F1, limit: 200 }),
    ).rejects.toMatchObject({ status: 400 });
    // The foreign stream never reached GetLogEvents.
    expect(aws.seen.filter((s) => s.op === "GetLogEvents")).toHaveLength(1);
  });
});

// ─────────────────────────── the route, on a synced demo run ───────────────────────────

const ctx = (runId: string) => ({ params: Promise.resolve({ runId }) });
const get = (runId: string, query: string, headers: Record<string, string> = {}) =>
  logsRoute(
    new Request(`http://localhost/api/v1/runs/${encodeURIComponent(runId)}/logs?${query}`, { headers }),
    ctx(runId),
  );

describe("GET /api/v1/runs/{runId}/logs", () => {
  let api: TestApiSource | undefined;
  let emu: RunningEmulator;
  let source: AwsSource;
  let auth: Record<string, string>;
  let run: { publicId: string; trainKey: string; trainJob: string; lambdaKey: string };

  beforeAll(async () => {
    api = await startTestApiSource({ backfillRuns: 3, backfillPipelines: ["size-recommendation-training"] });
    ({ emu, source, auth } = api);
    await runSourcePass(source, { full: true, log: memoryLogger() });
    const { rows } = await pool.query<{ public_id: string; train_key: string; train_job: string; lambda_key: string }>(
      `SELECT r.public_id, t.key AS train_key, t.job_name AS train_job, l.key AS lambda_key
         FROM run r JOIN pipeline p ON p.id = r.pipeline_id
         JOIN step t ON t.run_id = r.id AND t.resource LIKE '%createTrainingJob%' AND t.job_name IS NOT NULL
         JOIN step l ON l.run_id = r.id AND l.resource_type = 'lambda'
        WHERE p.source_id = $1 AND r.status = 'SUCCEEDED'
        ORDER BY r.started_at LIMIT 1`,
      [source.id],
    );
    const row = rows[0];
    if (!row) throw new Error("no synced run with a training step");
    run = { publicId: row.public_id, trainKey: row.train_key, trainJob: row.train_job, lambdaKey: row.lambda_key };
  });

  afterAll(() => api?.stop());

  it("answers 401 without credentials, with a forged session cookie and with a forged token", async () => {
    const query = `step=${encodeURIComponent(run.trainKey)}`;
    const attempts: Record<string, string>[] = [
      {},
      { cookie: `${cookieNames().sessionToken}=${randomBytes(32).toString("base64url")}` },
      { authorization: `Bearer sw_${randomBytes(24).toString("base64url")}` },
    ];
    for (const headers of attempts) {
      const response = await get(run.publicId, query, headers);
      expect(response.status).toBe(401);
      const body = await response.text();
      expect(body).not.toContain(run.trainJob);
    }
  });

  it("answers 400 for a missing step, bad tokens, both directions at once, a bad limit or stream", async () => {
    const step = `step=${encodeURIComponent(run.trainKey)}`;
    for (const query of [
      "",
      `${step}&before=f%2F123`,
      `${step}&after=b%2F123`,
      `${step}&after=f%2F${"1".repeat(2000)}`,
      `${step}&before=b%2F1&after=f%2F1`,
      `${step}&after=f%2F1%0A2`,
      `${step}&limit=0`,
      `${step}&limit=5000`,
      `${step}&stream=a%3Ab`,
      `${step}&stream=${"s".repeat(600)}`,
      `${step}&step=again`,
    ]) {
      const response = await get(run.publicId, query, auth);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/Invalid query/);
    }
  });

  it("answers 404 for an unknown run, an unknown step and a step without a training, processing or transform job", async () => {
    expect((await get("nope", `step=${encodeURIComponent(run.trainKey)}`, auth)).status).toBe(404);
    expect((await get(run.publicId, "step=NoSuchStep", auth)).status).toBe(404);
    const lambda = await get(run.publicId, `step=${encodeURIComponent(run.lambdaKey)}`, auth);
    expect(lambda.status).toBe(404);
    expect(((await lambda.json()) as { error: { message: string } }).error.message).toMatch(/no SageMaker training/);
  });

  it("shows the training job's last lines, pages back to the start, and tails only what is written since", async () => {
    const step = `step=${encodeURIComponent(run.trainKey)}`;
    const last = (await (await get(run.publicId, `${step}&limit=5`, auth)).json()) as JobLogPage;
    expect(last.reason).toBeNull();
    expect(last.stream).toMatch(new RegExp(`^${run.trainJob}/algo-1-\\d{10}$`));
    expect(last.events).toHaveLength(5);
    expect(last.events.at(-1)?.message).toMatch(/Reporting training SUCCESS$/);
    expect(last.before).toMatch(/^b\//);

    let before = last.before;
    const all = [...last.events];
    for (let pages = 0; before && pages < 100; pages++) {
      const page = (await (
        await get(run.publicId, `${step}&limit=5&before=${encodeURIComponent(before)}`, auth)
      ).json()) as JobLogPage;
      all.unshift(...page.events);
      before = page.before;
    }
    expect(before).toBeNull();
    expect(all[0]?.message).toBe("bash: cannot set terminal process group (-1): Inappropriate ioctl for device");
    expect(all.filter((e) => e.message.startsWith("[epoch ")).length).toBeGreaterThan(1);

    const idle = (await (
      await get(run.publicId, `${step}&after=${encodeURIComponent(last.after ?? "")}`, auth)
    ).json()) as JobLogPage;
    expect(idle.events).toEqual([]);
    expect(idle.after).toBe(last.after);
    const t = (last.events.at(-1)?.timestamp ?? 0) + 1000;
    putLogEvents(emu.logs, "/aws/sagemaker/TrainingJobs", last.stream ?? "", [
      { timestamp: t, message: "written later" },
    ]);
    const tail = (await (
      await get(run.publicId, `${step}&after=${encodeURIComponent(idle.after ?? "")}`, auth)
    ).json()) as JobLogPage;
    expect(tail.events.map((e) => e.message)).toEqual(["written later"]);
  });

  it("assumes the source's role once for many reads (the live tail), again when the role changes or nears expiry", async () => {
    const sts = await stsStandIn();
    const endpoint = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = sts.url;
    const setRole = (roleArn: string | null, externalId: string | null) =>
      pool.query("UPDATE aws_source SET role_arn = $2, external_id = $3 WHERE id = $1", [
        source.id,
        roleArn,
        externalId,
      ]);
    const read = async (times: number) => {
      for (let i = 0; i < times; i++) {
        const response = await get(run.publicId, `step=${encodeURIComponent(run.trainKey)}&limit=5`, auth);
        expect(response.status).toBe(200);
        expect(((await response.json()) as JobLogPage).events).toHaveLength(5);
      }
    };
    const READ = "arn:aws:iam::123456789012:role/stepwise-read";
    const LOGS = "arn:aws:iam::123456789012:role/stepwise-logs";
    try {
      await setRole(READ, null);
      await read(8);
      expect(sts.assumed).toEqual([{ roleArn: READ, externalId: null }]);
      // Another role or external id is new credentials, kept in turn.
      await setRole(LOGS, "ext-1");
      await read(4);
      await setRole(LOGS, "ext-2");
      await read(4);
      expect(sts.assumed).toEqual([
        { roleArn: READ, externalId: null },
        { roleArn: LOGS, externalId: "ext-1" },
        { roleArn: LOGS, externalId: "ext-2" },
      ]);
      // Credentials within five minutes of their expiry are not used again: every read assumes the role anew.
      sts.state.lifetimeMs = 60_000;
      await setRole(READ, "ext-3");
      for (let i = 0; i < 3; i++) {
        const before = sts.assumed.length;
        await read(1);
        expect(sts.assumed.length, `read ${i}`).toBeGreaterThan(before);
      }
      expect(new Set(sts.assumed.slice(3).map((a) => a.externalId))).toEqual(new Set(["ext-3"]));
    } finally {
      await setRole(null, null);
      if (endpoint === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
      else process.env.AWS_ENDPOINT_URL_STS = endpoint;
      await sts.close();
    }
  });

  it("answers 403 naming logs:GetLogEvents when the role lacks it", async () => {
    emu.setFaults({ "logs:GetLogEvents": { deny: true } });
    try {
      const response = await get(run.publicId, `step=${encodeURIComponent(run.trainKey)}`, auth);
      expect(response.status).toBe(403);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error).toMatchObject({
        code: "forbidden",
        message:
          "Stepwise's role lacks logs:GetLogEvents on /aws/sagemaker/TrainingJobs, so the job's logs cannot be shown.",
      });
    } finally {
      emu.setFaults({});
    }
  });
});
