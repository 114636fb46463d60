/**
 * The HTTP front: one node:http server for four AWS JSON protocols, routed by `X-Amz-Target`
 * (`AWSStepFunctions.*` awsJson1_0, `SageMaker.*` awsJson1_1, `GraniteServiceVersion20100801.*` —
 * CloudWatch's awsJson1_0, `Logs_20140328.*` — CloudWatch Logs' awsJson1_1), errors in AWS's shape (`__type` + message + `x-amzn-ErrorType`), fault
 * injection and optional token-bucket throttling per operation, per-op call counts, and the
 * `/__admin` endpoints tests use. SigV4 signatures are accepted without checking.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Gates } from "./integrations";
import { logsOp } from "./logs";
import { cloudWatchOp, type MetricsStore } from "./metrics";
import { type SageMakerStore, sageMakerOp } from "./sagemaker";
import { getExecution, type SfnEngine, sfnOp } from "./sfn";
import { AwsError, isObject, type JsonObject, type Rng, sleepReal } from "./util";

export interface FaultRule {
  /** probability 0..1 of answering ThrottlingException */
  throttleRate?: number;
  /** probability 0..1 of answering HTTP 500 InternalServerError */
  errorRate?: number;
  /** probability 0..1 of destroying the socket without an answer */
  dropRate?: number;
  /** added latency per call (real ms) */
  latencyMs?: number;
  /** deterministic variants: fault exactly the next N calls */
  throttleCount?: number;
  errorCount?: number;
  dropCount?: number;
  /**
   * The role lacks the IAM action: every matching call answers AccessDeniedException (HTTP 400) with the
   * message AWS writes ("… is not authorized to perform: <service>:<Operation> …").
   */
  deny?: boolean;
  /** The endpoint does not know the operation: UnknownOperationException (HTTP 400). */
  unknownOperation?: boolean;
  /** Any AWS error by name, e.g. { type: "ResourceNotFound", message: "Requested resource not found." }. */
  fail?: { type: string; status?: number; message?: string };
  /** Only calls whose request body has these top-level string values, e.g. { TrainingJobName: "job-1" }. */
  match?: Record<string, string>;
}

/**
 * Keys: "*", "sfn:*", "sagemaker:*", "cloudwatch:*", "logs:*", an operation ("GetExecutionHistory") or
 * "sfn:GetExecutionHistory". A list of rules under one key applies the first whose `match` fits the call.
 */
export type Faults = Record<string, FaultRule | FaultRule[]>;

/** The IAM service prefix of each emulated API, as AccessDenied messages name actions. */
const IAM_PREFIX: Record<string, string> = {
  sfn: "states",
  sagemaker: "sagemaker",
  cloudwatch: "cloudwatch",
  logs: "logs",
};

export interface RuntimeConfig {
  timeScale: number;
  taskMode: "auto" | "manual";
  /** AWS-like token buckets per Step Functions API */
  tokenBuckets: boolean;
}

export interface ServerContext {
  sfn: SfnEngine;
  sagemaker: SageMakerStore;
  metrics: MetricsStore;
  gates: Gates;
  config: RuntimeConfig;
  faults: Faults;
  faultRng: Rng;
  stats: { calls: Record<string, number>; faults: Record<string, number> };
  /** demo hook: starts a run of a catalogue pipeline (POST /__admin/runs) */
  startDemoRun?: (pipeline?: string) => string[];
  /** demo hook: the pipeline's next run regresses (POST /__admin/regress) */
  regressDemoRun?: (pipeline: string) => void;
  log: (message: string) => void;
}

const services: Record<
  string,
  { short: string; contentType: string; op: (ctx: ServerContext, op: string, body: JsonObject) => JsonObject }
> = {
  AWSStepFunctions: { short: "sfn", contentType: "application/x-amz-json-1.0", op: (c, op, b) => sfnOp(c.sfn, op, b) },
  SageMaker: {
    short: "sagemaker",
    contentType: "application/x-amz-json-1.1",
    op: (c, op, b) => sageMakerOp(c.sagemaker, op, b, { tokenTtlMs: c.sfn.tokenTtlMs }, Date.now()),
  },
  GraniteServiceVersion20100801: {
    short: "cloudwatch",
    contentType: "application/x-amz-json-1.0",
    op: (c, op, b) => cloudWatchOp(c.metrics, op, b),
  },
  // The jobs' logs live beside the jobs (sagemaker.ts writes them as the jobs run).
  Logs_20140328: {
    short: "logs",
    contentType: "application/x-amz-json-1.1",
    op: (c, op, b) => logsOp(c.sagemaker.logs, op, b),
  },
};

// Step Functions API throttling (bucket size, refill per second) for Standard workflows. Values follow
// the Step Functions quotas page for the larger regions (us-east-1, us-west-2, eu-west-1); treat them
// as approximate — what matters for Stepwise is that a poller hammering one API gets throttled.
const SFN_BUCKETS: Record<string, [number, number]> = {
  DescribeExecution: [250, 75],
  DescribeMapRun: [100, 1],
  DescribeStateMachine: [200, 20],
  GetExecutionHistory: [400, 20],
  ListExecutions: [200, 5],
  ListMapRuns: [100, 1],
  ListStateMachines: [200, 5],
  ListTagsForResource: [200, 1],
  RedriveExecution: [1300, 300],
  StartExecution: [1300, 300],
  StopExecution: [1000, 200],
};

export function createServer(ctx: ServerContext): http.Server {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const takeToken = (op: string): boolean => {
    const spec = SFN_BUCKETS[op];
    if (!spec) return true;
    const [size, refill] = spec;
    const now = Date.now();
    const b = buckets.get(op) ?? { tokens: size, at: now };
    b.tokens = Math.min(size, b.tokens + ((now - b.at) / 1000) * refill);
    b.at = now;
    buckets.set(op, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(ctx, req, res, Buffer.concat(chunks).toString("utf8"), takeToken, () => buckets.clear()).catch(
        (err: unknown) => {
          ctx.log(`emulator: unexpected error ${(err as Error).stack ?? String(err)}`);
          if (!res.headersSent) sendJson(res, 500, { message: "internal error" });
        },
      );
    });
  });
  server.keepAliveTimeout = 5000;
  return server;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function ruleFor(faults: Faults, short: string, op: string, body: JsonObject): FaultRule | undefined {
  for (const key of [`${short}:${op}`, op, `${short}:*`, "*"]) {
    const entry = faults[key];
    if (!entry) continue;
    const rules = Array.isArray(entry) ? entry : [entry];
    const rule = rules.find((r) => !r.match || Object.entries(r.match).every(([k, v]) => body[k] === v));
    if (rule) return rule;
  }
  return undefined;
}

async function handle(
  ctx: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  text: string,
  takeToken: (op: string) => boolean,
  resetBuckets: () => void,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://emulator");
  if (url.pathname.startsWith("/__admin")) return admin(ctx, req, res, url, text, resetBuckets);

  const target = String(req.headers["x-amz-target"] ?? "");
  const [prefix = "", op = ""] = target.split(".");
  const service = services[prefix];
  const requestId = ctx.faultRng.uuid();
  if (!service || !op) {
    if (req.method === "GET" && url.pathname === "/") {
      return sendJson(res, 200, { service: "stepwise-aws-emulator", region: ctx.sfn.region, account: ctx.sfn.account });
    }
    return sendJson(res, 400, { __type: "UnknownOperationException", message: `Unknown target '${target}'` });
  }
  const statKey = `${service.short}:${op}`;
  ctx.stats.calls[statKey] = (ctx.stats.calls[statKey] ?? 0) + 1;

  const fail = (status: number, type: string, message: string) => {
    const body = JSON.stringify({ __type: type, message });
    res.writeHead(status, {
      "content-type": service.contentType,
      "content-length": Buffer.byteLength(body),
      "x-amzn-requestid": requestId,
      "x-amzn-errortype": type,
      // CloudWatch's JSON protocol is query-compatible: the SDK reads the legacy error code from here.
      ...(service.short === "cloudwatch"
        ? { "x-amzn-query-error": `${type};${status >= 500 ? "Receiver" : "Sender"}` }
        : {}),
    });
    res.end(body);
  };
  const fault = (kind: string) => {
    ctx.stats.faults[`${statKey}:${kind}`] = (ctx.stats.faults[`${statKey}:${kind}`] ?? 0) + 1;
  };

  let body: JsonObject;
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (!isObject(parsed)) throw new Error("body must be a JSON object");
    body = parsed;
  } catch {
    return fail(400, "SerializationException", "Start of structure or map found where not expected");
  }
  const rule = ruleFor(ctx.faults, service.short, op, body);
  if (rule) {
    if (rule.latencyMs) await sleepReal(rule.latencyMs);
    if ((rule.dropCount ?? 0) > 0 || (rule.dropRate && ctx.faultRng.chance(rule.dropRate))) {
      if (rule.dropCount) rule.dropCount--;
      fault("dropped");
      req.socket.destroy();
      return;
    }
    if ((rule.throttleCount ?? 0) > 0 || (rule.throttleRate && ctx.faultRng.chance(rule.throttleRate))) {
      if (rule.throttleCount) rule.throttleCount--;
      fault("throttled");
      return fail(400, "ThrottlingException", "Rate exceeded");
    }
    if ((rule.errorCount ?? 0) > 0 || (rule.errorRate && ctx.faultRng.chance(rule.errorRate))) {
      if (rule.errorCount) rule.errorCount--;
      fault("error");
      return fail(500, "InternalServerError", "We encountered an internal error. Please try again.");
    }
    if (rule.deny) {
      fault("denied");
      const action = `${IAM_PREFIX[service.short] ?? service.short}:${op}`;
      return fail(
        400,
        "AccessDeniedException",
        `User: arn:aws:sts::${ctx.sfn.account}:assumed-role/stepwise-read/stepwise-sync is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
      );
    }
    if (rule.unknownOperation) {
      fault("unknown");
      return fail(400, "UnknownOperationException", `Operation ${op} is not supported`);
    }
    if (rule.fail) {
      fault("failed");
      return fail(rule.fail.status ?? 400, rule.fail.type, rule.fail.message ?? rule.fail.type);
    }
  }
  if (ctx.config.tokenBuckets && service.short === "sfn" && !takeToken(op)) {
    fault("throttled");
    return fail(400, "ThrottlingException", "Rate exceeded");
  }

  try {
    const out = service.op(ctx, op, body);
    const payload = JSON.stringify(out);
    res.writeHead(200, {
      "content-type": service.contentType,
      "content-length": Buffer.byteLength(payload),
      "x-amzn-requestid": requestId,
    });
    res.end(payload);
  } catch (err) {
    if (err instanceof AwsError) return fail(err.status, err.type, err.message);
    ctx.log(`emulator: ${target} failed: ${(err as Error).stack ?? String(err)}`);
    return fail(500, "InternalServerError", (err as Error).message);
  }
}

async function admin(
  ctx: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  text: string,
  resetBuckets: () => void,
): Promise<void> {
  let body: JsonObject = {};
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) body = parsed;
    } catch {
      return sendJson(res, 400, { message: "body must be JSON" });
    }
  }
  const path = url.pathname.replace(/^\/__admin/, "");
  const method = req.method ?? "GET";
  if (method === "GET" && path === "/stats") {
    const executions = [...ctx.sfn.executions.values()];
    const byStatus: Record<string, number> = {};
    for (const x of executions) byStatus[x.status] = (byStatus[x.status] ?? 0) + 1;
    return sendJson(res, 200, {
      calls: ctx.stats.calls,
      faults: ctx.stats.faults,
      executions: byStatus,
      config: ctx.config,
      activeFaults: ctx.faults,
    });
  }
  if (method === "POST" && path === "/faults") {
    for (const k of Object.keys(ctx.faults)) delete ctx.faults[k];
    for (const [k, v] of Object.entries(body)) {
      if (isObject(v)) ctx.faults[k] = v as FaultRule;
      else if (Array.isArray(v)) ctx.faults[k] = v.filter(isObject) as FaultRule[];
    }
    return sendJson(res, 200, { faults: ctx.faults });
  }
  if (method === "POST" && path === "/reset") {
    for (const k of Object.keys(ctx.faults)) delete ctx.faults[k];
    ctx.stats.calls = {};
    ctx.stats.faults = {};
    resetBuckets();
    return sendJson(res, 200, { ok: true });
  }
  if (method === "POST" && path === "/config") {
    if (typeof body.timeScale === "number" && body.timeScale > 0) ctx.config.timeScale = body.timeScale;
    if (body.taskMode === "auto" || body.taskMode === "manual") ctx.config.taskMode = body.taskMode;
    if (typeof body.tokenBuckets === "boolean") ctx.config.tokenBuckets = body.tokenBuckets;
    return sendJson(res, 200, { config: ctx.config });
  }
  if (method === "POST" && path === "/runs") {
    if (!ctx.startDemoRun) return sendJson(res, 409, { message: "the demo catalogue is not loaded" });
    const pipeline = typeof body.pipeline === "string" ? body.pipeline : undefined;
    try {
      return sendJson(res, 200, { executionArns: ctx.startDemoRun(pipeline) });
    } catch (err) {
      return sendJson(res, 404, { message: (err as Error).message });
    }
  }
  if (method === "POST" && path === "/regress") {
    if (!ctx.regressDemoRun) return sendJson(res, 409, { message: "the demo catalogue is not loaded" });
    if (typeof body.pipeline !== "string") return sendJson(res, 400, { message: "pipeline is required" });
    try {
      ctx.regressDemoRun(body.pipeline);
      return sendJson(res, 200, { ok: true });
    } catch (err) {
      return sendJson(res, 404, { message: (err as Error).message });
    }
  }
  const m = /^\/executions\/(.+?)(\/advance)?$/.exec(path);
  if (m?.[1]) {
    const arn = decodeURIComponent(m[1]);
    let execution: ReturnType<typeof getExecution>;
    try {
      execution = getExecution(ctx.sfn, arn);
    } catch (err) {
      return sendJson(res, 404, { message: (err as Error).message });
    }
    if (method === "GET" && !m[2]) {
      return sendJson(res, 200, { executionArn: arn, status: execution.status, waiting: ctx.gates.list(arn) });
    }
    if (method === "POST" && m[2]) {
      const fail =
        body.outcome === "fail"
          ? {
              reason: typeof body.reason === "string" ? body.reason : "Failed by /__admin advance",
              // An error name lets a test fail a task with one its Retry matches (e.g. Lambda.ServiceException).
              ...(typeof body.error === "string" && /^[\w.]{1,128}$/.test(body.error) ? { error: body.error } : {}),
            }
          : undefined;
      const stateName = typeof body.state === "string" ? body.state : undefined;
      const advanced = ctx.gates.advance(arn, { stateName, fail });
      return sendJson(res, advanced ? 200 : 409, { advanced, waiting: ctx.gates.list(arn) });
    }
  }
  return sendJson(res, 404, { message: `unknown admin route ${method} ${url.pathname}` });
}

export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
