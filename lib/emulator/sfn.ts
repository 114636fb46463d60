/**
 * Step Functions: state machines, executions (run by asl/interpreter), Map Runs, and the
 * awsJson1_0 operations the sync and the portal use. Errors carry the exception names of the SFN
 * API so the SDK raises ExecutionDoesNotExist, StateMachineDoesNotExist, InvalidToken, ….
 */
import { setMaxListeners } from "node:events";
import { HistoryRecorder, type Thread, toWire } from "./asl/history";
import {
  type DistributedMapRequest,
  Interpreter,
  type Machine,
  newMemo,
  type Outcome,
  parseDefinition,
  type RedriveMemo,
  StatesError,
} from "./asl/interpreter";
import { type IntegrationEnv, runIntegration } from "./integrations";
import {
  AbortedError,
  AwsError,
  type Clock,
  epoch,
  type Json,
  type JsonObject,
  num,
  type PageOptions,
  paginate,
  type Rng,
  type SortKey,
  str,
} from "./util";

export interface StateMachine {
  seq: number;
  arn: string;
  name: string;
  definition: string;
  machine: Machine;
  roleArn: string;
  creationDate: number;
  revisionId: string;
  description?: string;
  /** STANDARD, or EXPRESS: Step Functions keeps no listable history of Express executions. */
  type: "STANDARD" | "EXPRESS";
  tags: { key: string; value: string }[];
}

/** PENDING_REDRIVE: a Map Run's unsuccessful child waiting to be redriven with its Map Run (as AWS lists it). */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE";

export interface Execution {
  seq: number;
  arn: string;
  name: string;
  stateMachineArn: string;
  stateMachineName: string;
  roleArn: string;
  machine: Machine;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  input: Json;
  output?: Json;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: number;
  history: HistoryRecorder;
  memo: RedriveMemo;
  controller: AbortController;
  clock: Clock;
  mapRunArn?: string;
  /** settles when the current attempt (start or redrive) has finished */
  done: Promise<void>;
}

export interface MapRun {
  seq: number;
  arn: string;
  executionArn: string;
  stateMachineArn: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "ABORTED";
  startDate: number;
  stopDate?: number;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
  toleratedFailureCount: number;
  total: number;
  childArns: string[];
  /** The child execution of each item index (a redrive reruns it in place, as AWS does for Standard children). */
  childOf: Map<number, string>;
  /** EXPRESS children are started anew on a redrive (StartExecution); STANDARD ones are redriven. */
  executionType: string;
  redriveCount: number;
  redriveDate?: number;
}

/** AWS's hard limit of redrives per execution and per Map Run. */
const MAX_REDRIVES = 1000;
const UNSUCCESSFUL = new Set<ExecutionStatus>(["FAILED", "TIMED_OUT", "ABORTED"]);

export interface SfnEngine {
  account: string;
  region: string;
  seq: number;
  stateMachines: Map<string, StateMachine>;
  executions: Map<string, Execution>;
  mapRuns: Map<string, MapRun>;
  integrations: IntegrationEnv;
  rng: Rng;
  liveClock: Clock;
  tokenTtlMs: number;
  onFinished: ((execution: Execution) => void)[];
}

const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;
// biome-ignore lint/suspicious/noControlCharactersInRegex: AWS forbids control characters in names; this rejects them.
const NAME_RE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

const arnPrefix = (e: SfnEngine) => `arn:aws:states:${e.region}:${e.account}`;

function checkArn(arn: string, kind: string): void {
  if (!/^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:[a-zA-Z]+:.+$/.test(arn) || !arn.includes(`:${kind}:`)) {
    throw new AwsError("InvalidArn", `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
  }
}

export function createStateMachine(
  e: SfnEngine,
  o: {
    name: string;
    definition: string;
    roleArn?: string;
    description?: string;
    tags?: Record<string, string>;
    type?: "STANDARD" | "EXPRESS";
  },
  now: number,
): StateMachine {
  if (!NAME_RE.test(o.name)) throw new AwsError("InvalidName", `Invalid Name: '${o.name}'`);
  let machine: Machine;
  try {
    machine = parseDefinition(o.definition);
  } catch (err) {
    throw new AwsError("InvalidDefinition", (err as Error).message);
  }
  const arn = `${arnPrefix(e)}:stateMachine:${o.name}`;
  if (e.stateMachines.has(arn))
    throw new AwsError("StateMachineAlreadyExists", `State Machine Already Exists: '${arn}'`);
  const sm: StateMachine = {
    seq: ++e.seq,
    arn,
    name: o.name,
    definition: o.definition,
    machine,
    roleArn: o.roleArn ?? `arn:aws:iam::${e.account}:role/service-role/StepFunctions-${o.name}-role`,
    creationDate: now,
    revisionId: e.rng.uuid(),
    description: o.description,
    type: o.type ?? "STANDARD",
    tags: Object.entries(o.tags ?? {}).map(([key, value]) => ({ key, value })),
  };
  e.stateMachines.set(arn, sm);
  return sm;
}

function getStateMachine(e: SfnEngine, arn: string): StateMachine {
  checkArn(arn, "stateMachine");
  const sm = e.stateMachines.get(arn);
  if (!sm) throw new AwsError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
  return sm;
}

export function getExecution(e: SfnEngine, arn: string): Execution {
  checkArn(arn, "execution");
  const x = e.executions.get(arn);
  if (!x) throw new AwsError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
  return x;
}

// ---------------------------------------------------------------------------------------------
// Running

export interface StartOptions {
  stateMachineArn: string;
  name?: string;
  input?: string;
  /** a VirtualClock for back-fill; default the live clock */
  clock?: Clock;
}

export function startExecution(e: SfnEngine, o: StartOptions): Execution {
  const sm = getStateMachine(e, o.stateMachineArn);
  const name = o.name ?? e.rng.uuid();
  if (!NAME_RE.test(name)) throw new AwsError("InvalidName", `Invalid Name: '${name}'`);
  const inputText = o.input ?? "{}";
  let input: Json;
  try {
    input = JSON.parse(inputText) as Json;
  } catch {
    throw new AwsError("InvalidExecutionInput", `Invalid State Machine Execution Input: 'Unexpected token in JSON'`);
  }
  if (Buffer.byteLength(inputText) > 256 * 1024) {
    throw new AwsError(
      "InvalidExecutionInput",
      "Invalid State Machine Execution Input: 'Input exceeds the 262144 byte limit'",
    );
  }
  const arn = `${arnPrefix(e)}:execution:${sm.name}:${name}`;
  const existing = e.executions.get(arn);
  if (existing) {
    // StartExecution is idempotent for a RUNNING execution with the same name and input.
    if (existing.status === "RUNNING" && JSON.stringify(existing.input) === JSON.stringify(input)) return existing;
    throw new AwsError("ExecutionAlreadyExists", `Execution Already Exists: '${arn}'`);
  }
  return launchNew(e, { arn, name, sm, machine: sm.machine, input, clock: o.clock ?? e.liveClock });
}

function launchNew(
  e: SfnEngine,
  o: {
    arn: string;
    name: string;
    sm: { arn: string; name: string; roleArn: string };
    machine: Machine;
    input: Json;
    clock: Clock;
    mapRunArn?: string;
    parentSignal?: AbortSignal;
  },
): Execution {
  const x: Execution = {
    seq: ++e.seq,
    arn: o.arn,
    name: o.name,
    stateMachineArn: o.sm.arn,
    stateMachineName: o.sm.name,
    roleArn: o.sm.roleArn,
    machine: o.machine,
    status: "RUNNING",
    startDate: o.clock.now(),
    input: o.input,
    redriveCount: 0,
    // Reads the execution's *current* clock: a back-filled execution is handed to the live clock later.
    history: new HistoryRecorder(() => x.clock.now()),
    memo: newMemo(),
    controller: executionController(),
    clock: o.clock,
    mapRunArn: o.mapRunArn,
    done: Promise.resolve(),
  };
  e.executions.set(x.arn, x);
  if (o.parentSignal) linkAbort(e, x, o.parentSignal);
  x.history.emit({ last: 0 }, "ExecutionStarted", {
    input: JSON.stringify(o.input),
    inputDetails: { truncated: false },
    roleArn: x.roleArn,
  });
  // AWS points the first state's previousEventId at 0, not at ExecutionStarted.
  x.done = attempt(e, x, { last: 0 }, false);
  return x;
}

function linkAbort(e: SfnEngine, x: Execution, parent: AbortSignal): void {
  parent.addEventListener(
    "abort",
    () => {
      if (x.status === "RUNNING") stopExecution(e, x.arn, "States.Aborted", "Parent execution was aborted");
    },
    { once: true },
  );
}

async function attempt(e: SfnEngine, x: Execution, thread: Thread, resume: boolean): Promise<void> {
  const interpreter = new Interpreter({
    executionArn: x.arn,
    executionName: x.name,
    stateMachineArn: x.stateMachineArn,
    stateMachineName: x.stateMachineName,
    roleArn: x.roleArn,
    region: e.region,
    startTime: x.startDate,
    input: x.input,
    redriveCount: x.redriveCount,
    clock: x.clock,
    signal: x.controller.signal,
    history: x.history,
    memo: x.memo,
    uuid: () => e.rng.uuid(),
    runTask: (inv) =>
      runIntegration(e.integrations, inv, {
        executionArn: x.arn,
        executionName: x.name,
        stateMachineName: x.stateMachineName,
        stateName: inv.stateName,
        attempt: inv.attempt,
        redriveCount: x.redriveCount,
        virtual: x.clock.virtual,
      }),
    runDistributedMap: (req) => runDistributedMap(e, x, req),
  });
  // Yield once so StartExecution returns before the first state runs, as in AWS.
  await Promise.resolve();
  const outcome: Outcome = await interpreter.run(x.machine, thread, resume);
  if (outcome.status === "ABORTED") return;
  x.stopDate = x.clock.now();
  x.history.closed = true;
  if (outcome.status === "SUCCEEDED") {
    x.status = "SUCCEEDED";
    x.output = outcome.output;
  } else {
    x.status = "FAILED";
    x.error = outcome.error;
    x.cause = outcome.cause;
  }
  for (const f of e.onFinished) f(x);
}

export function stopExecution(e: SfnEngine, arn: string, error?: string, cause?: string): Execution {
  const x = getExecution(e, arn);
  if (x.status !== "RUNNING") return x;
  x.history.emit({ last: x.history.last()?.id ?? 0 }, "ExecutionAborted", {
    ...(error ? { error } : {}),
    ...(cause ? { cause } : {}),
  });
  x.history.closed = true;
  x.status = "ABORTED";
  x.error = error;
  x.cause = cause;
  x.stopDate = x.clock.now();
  x.controller.abort();
  for (const run of e.mapRuns.values()) {
    if (run.executionArn === x.arn && run.status === "RUNNING") {
      run.status = "ABORTED";
      run.stopDate = x.stopDate;
    }
  }
  for (const f of e.onFinished) f(x);
  return x;
}

export function redriveStatus(x: Execution, now: number): { status: string; reason?: string } {
  if (x.status === "RUNNING" || x.status === "SUCCEEDED" || x.status === "PENDING_REDRIVE") {
    return { status: "NOT_REDRIVABLE", reason: `Execution is ${x.status} and cannot be redriven` };
  }
  if (x.mapRunArn && x.redriveCount < MAX_REDRIVES)
    return { status: "REDRIVABLE_BY_MAP_RUN", reason: "Execution is a child of a Map Run; redrive its parent" };
  if (x.stopDate !== undefined && now - x.stopDate > REDRIVE_WINDOW_MS) {
    return {
      status: "NOT_REDRIVABLE",
      reason: "Execution can no longer be redriven: it stopped more than 14 days ago",
    };
  }
  if (x.redriveCount >= MAX_REDRIVES)
    return { status: "NOT_REDRIVABLE", reason: `Execution was redriven ${MAX_REDRIVES} times` };
  return { status: "REDRIVABLE" };
}

export function redriveExecution(e: SfnEngine, arn: string, clock?: Clock): Execution {
  const x = getExecution(e, arn);
  const rs = redriveStatus(x, (clock ?? e.liveClock).now());
  if (rs.status !== "REDRIVABLE")
    throw new AwsError("ExecutionNotRedrivable", `Execution not redrivable: ${rs.reason ?? rs.status}`);
  if (clock) x.clock = clock;
  restart(e, x);
  return x;
}

/** Continues an unsuccessful execution from its unsuccessful states (RedriveExecution, or its Map Run's redrive). */
/**
 * An execution's abort controller. Every wait and job of the execution (each iteration of a Map or branch of a
 * Parallel, and each child of a distributed Map) listens to its signal while it runs and stops listening when
 * it ends, so more than Node's default of 10 listeners at once is expected, not a leak.
 */
function executionController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(10_000, controller.signal);
  return controller;
}

function restart(e: SfnEngine, x: Execution): void {
  x.redriveCount += 1;
  x.redriveDate = x.clock.now();
  x.status = "RUNNING";
  x.stopDate = undefined;
  x.error = undefined;
  x.cause = undefined;
  x.controller = executionController();
  x.history.closed = false;
  const thread: Thread = { last: x.history.last()?.id ?? 0 };
  x.history.emit(thread, "ExecutionRedriven", { redriveCount: x.redriveCount });
  x.done = attempt(e, x, thread, true);
}

/**
 * Distributed Map: children are executions of their own, grouped by a Map Run. A redrive of the parent
 * (`req.redriveOf`) continues the Map Run it names, as AWS does: its redriveCount / redriveDate move, items whose
 * child succeeded are kept, unsuccessful STANDARD children wait as PENDING_REDRIVE and are then redriven in place
 * (same ARN, their own redriveCount), EXPRESS ones are started anew.
 */
async function runDistributedMap(e: SfnEngine, parent: Execution, req: DistributedMapRequest): Promise<Json[]> {
  const childSm = {
    arn: `${arnPrefix(e)}:stateMachine:${parent.stateMachineName}/${req.label}`,
    name: `${parent.stateMachineName}/${req.label}`,
    roleArn: parent.roleArn,
  };
  const previous = req.redriveOf ? e.mapRuns.get(req.redriveOf) : undefined;
  const redriving = previous !== undefined && previous.status !== "SUCCEEDED" && previous.status !== "RUNNING";
  let run: MapRun;
  if (previous && redriving) {
    if (previous.redriveCount >= MAX_REDRIVES) {
      throw new StatesError("States.Runtime", `Map Run ${previous.arn} was redriven ${MAX_REDRIVES} times`);
    }
    run = previous;
    run.status = "RUNNING";
    run.redriveCount += 1;
    run.redriveDate = parent.clock.now();
    run.stopDate = undefined;
    for (const [index, arn] of run.childOf) {
      const child = e.executions.get(arn);
      if (child && UNSUCCESSFUL.has(child.status) && !parent.memo.done.has(`${req.path}[${index}]`)) {
        child.status = "PENDING_REDRIVE";
      }
    }
    req.redriven(run.arn, run.redriveCount);
  } else {
    run = {
      seq: ++e.seq,
      arn: `${arnPrefix(e)}:mapRun:${parent.stateMachineName}/${req.label}:${e.rng.uuid()}`,
      executionArn: parent.arn,
      stateMachineArn: childSm.arn,
      status: "RUNNING",
      startDate: parent.clock.now(),
      maxConcurrency: req.maxConcurrency,
      toleratedFailurePercentage: req.toleratedFailurePercentage,
      toleratedFailureCount: 0,
      total: req.items.length,
      childArns: [],
      childOf: new Map(),
      executionType: req.executionType,
      redriveCount: 0,
    };
    e.mapRuns.set(run.arn, run);
    req.started(run.arn);
  }
  const results: Json[] = new Array(req.items.length).fill(null);
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < req.items.length) {
      const index = next++;
      const key = `${req.path}[${index}]`;
      const cached = parent.memo.done.get(key);
      if (cached !== undefined) {
        results[index] = cached;
        continue;
      }
      const earlier = e.executions.get(run.childOf.get(index) ?? "");
      let child: Execution;
      if (earlier && earlier.status === "PENDING_REDRIVE" && run.executionType !== "EXPRESS") {
        child = earlier;
        child.clock = parent.clock;
        restart(e, child);
        linkAbort(e, child, parent.controller.signal);
      } else {
        child = launchNew(e, {
          arn: `${arnPrefix(e)}:execution:${childSm.name}:${e.rng.uuid()}`,
          name: `${index}`,
          sm: childSm,
          machine: req.processor,
          input: req.items[index] ?? null,
          clock: parent.clock,
          mapRunArn: run.arn,
          parentSignal: parent.controller.signal,
        });
        // An EXPRESS child replaced by a new one no longer waits for anything.
        if (earlier?.status === "PENDING_REDRIVE") earlier.status = "FAILED";
        run.childArns.push(child.arn);
        run.childOf.set(index, child.arn);
      }
      await child.done;
      if (child.status === "SUCCEEDED") {
        results[index] = child.output ?? null;
        parent.memo.done.set(key, child.output ?? null);
      } else failed++;
    }
  };
  const limit = req.maxConcurrency > 0 ? req.maxConcurrency : 40;
  await Promise.all(Array.from({ length: Math.min(limit, req.items.length) }, worker));
  if (parent.controller.signal.aborted) throw new AbortedError();
  run.stopDate = parent.clock.now();
  if (failed > 0 && (failed / Math.max(1, req.items.length)) * 100 > req.toleratedFailurePercentage) {
    run.status = "FAILED";
    throw new StatesError(
      "States.ExceedToleratedFailureThreshold",
      "The specified tolerated failure threshold was exceeded",
    );
  }
  run.status = "SUCCEEDED";
  return results;
}

// ---------------------------------------------------------------------------------------------
// The API

const invalidToken = (m: string) => new AwsError("InvalidToken", m);

/** Executions and Map Runs are listed newest first. */
const NEWEST_FIRST = {
  key: (x: { startDate: number; seq: number }): SortKey => [x.startDate, x.seq],
  descending: true,
};

/** What ListExecutions and DescribeExecution both say of an execution. */
const executionBasics = (x: Execution) => ({
  executionArn: x.arn,
  stateMachineArn: x.stateMachineArn,
  name: x.name,
  status: x.status,
  startDate: epoch(x.startDate),
  stopDate: epoch(x.stopDate),
});

/** A Map Run as ListMapRuns lists it. */
function listedMapRun(r: MapRun): JsonObject {
  return clean({
    executionArn: r.executionArn,
    mapRunArn: r.arn,
    stateMachineArn: r.stateMachineArn,
    startDate: epoch(r.startDate),
    stopDate: epoch(r.stopDate),
  });
}

/** Step Functions' paging: `maxResults` up to 1000 (100 when not given), `nextToken`s that expire. */
function sfnPage<T>(e: SfnEngine, body: JsonObject, o: Pick<PageOptions<T>, "items" | "key" | "descending" | "scope">) {
  return paginate({
    ...o,
    maxResults: maxResults(body, 1000),
    defaultMax: 100,
    limit: 1000,
    token: str(body, "nextToken"),
    ttlMs: e.tokenTtlMs,
    invalidToken,
  });
}

function maxResults(body: JsonObject, limit: number): number | undefined {
  const v = num(body, "maxResults");
  if (v !== undefined && (v < 0 || v > limit || !Number.isInteger(v))) {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${v}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${limit}`,
    );
  }
  return v;
}

/**
 * DescribeMapRun's itemCounts / executionCounts (one item per child: no ItemBatcher here). As the API reference
 * defines them: a child waiting to be redriven counts as pendingRedrive (not failed); failuresNotRedrivable are
 * unsuccessful children that can no longer be redriven (their redrive limit reached).
 */
function countsOf(e: SfnEngine, run: MapRun): JsonObject {
  const kids = [...run.childOf.values()].map((a) => e.executions.get(a)).filter((x): x is Execution => x !== undefined);
  const by = (s: ExecutionStatus) => kids.filter((k) => k.status === s).length;
  return {
    pending: Math.max(0, run.total - run.childOf.size),
    running: by("RUNNING"),
    succeeded: by("SUCCEEDED"),
    failed: by("FAILED"),
    timedOut: by("TIMED_OUT"),
    aborted: by("ABORTED"),
    total: run.total,
    resultsWritten: 0,
    failuresNotRedrivable: kids.filter((k) => UNSUCCESSFUL.has(k.status) && k.redriveCount >= MAX_REDRIVES).length,
    pendingRedrive: by("PENDING_REDRIVE"),
  };
}

export function sfnOp(e: SfnEngine, op: string, body: JsonObject): JsonObject {
  const now = e.liveClock.now();
  switch (op) {
    case "ListStateMachines": {
      const { page, nextToken } = sfnPage(e, body, {
        items: e.stateMachines.values(),
        key: (s) => [s.name, s.seq],
        scope: op,
      });
      return {
        stateMachines: page.map((s) => ({
          stateMachineArn: s.arn,
          name: s.name,
          type: s.type,
          creationDate: s.creationDate / 1000,
        })),
        ...(nextToken ? { nextToken } : {}),
      };
    }
    case "DescribeStateMachine": {
      const s = getStateMachine(e, str(body, "stateMachineArn", true));
      return {
        stateMachineArn: s.arn,
        name: s.name,
        status: "ACTIVE",
        definition: s.definition,
        roleArn: s.roleArn,
        type: s.type,
        creationDate: s.creationDate / 1000,
        loggingConfiguration: { level: "OFF", includeExecutionData: false },
        tracingConfiguration: { enabled: false },
        revisionId: s.revisionId,
        ...(s.description ? { description: s.description } : {}),
      };
    }
    case "ListTagsForResource": {
      const arn = str(body, "resourceArn", true);
      const s = e.stateMachines.get(arn);
      if (!s) throw new AwsError("ResourceNotFound", `Resource not found: '${arn}'`);
      return { tags: s.tags };
    }
    case "ListExecutions": {
      const smArn = str(body, "stateMachineArn");
      const mapRunArn = str(body, "mapRunArn");
      if (!smArn && !mapRunArn)
        throw new AwsError("ValidationException", "Must provide a StateMachine ARN or MapRun ARN");
      if (smArn && getStateMachine(e, smArn).type === "EXPRESS") {
        // As AWS: Express executions are not recorded by Step Functions (CloudWatch Logs has them).
        throw new AwsError(
          "StateMachineTypeNotSupported",
          "This operation is not supported by this type of state machine",
        );
      }
      if (mapRunArn && !e.mapRuns.has(mapRunArn))
        throw new AwsError("ResourceNotFound", `Resource not found: '${mapRunArn}'`);
      const status = str(body, "statusFilter");
      const redriveFilter = str(body, "redriveFilter");
      const items = [...e.executions.values()].filter(
        (x) =>
          (smArn ? x.stateMachineArn === smArn && !x.mapRunArn : x.mapRunArn === mapRunArn) &&
          (!status || x.status === status) &&
          (!redriveFilter || (redriveFilter === "REDRIVEN") === x.redriveCount > 0),
      );
      const { page, nextToken } = sfnPage(e, body, {
        items,
        ...NEWEST_FIRST,
        scope: `${op}:${smArn ?? mapRunArn}:${status ?? ""}:${redriveFilter ?? ""}`,
      });
      return {
        executions: page.map((x) =>
          clean({
            ...executionBasics(x),
            mapRunArn: x.mapRunArn,
            redriveCount: x.redriveCount,
            redriveDate: epoch(x.redriveDate),
          }),
        ),
        ...(nextToken ? { nextToken } : {}),
      };
    }
    case "DescribeExecution": {
      const x = getExecution(e, str(body, "executionArn", true));
      const rs = redriveStatus(x, now);
      return clean({
        ...executionBasics(x),
        input: JSON.stringify(x.input),
        inputDetails: { included: true },
        output: x.output !== undefined ? JSON.stringify(x.output) : undefined,
        outputDetails: x.output !== undefined ? { included: true } : undefined,
        mapRunArn: x.mapRunArn,
        error: x.error,
        cause: x.cause,
        redriveCount: x.redriveCount,
        redriveDate: epoch(x.redriveDate),
        redriveStatus: rs.status,
        redriveStatusReason: rs.reason,
      });
    }
    case "GetExecutionHistory": {
      const x = getExecution(e, str(body, "executionArn", true));
      const reverse = body.reverseOrder === true;
      const includeData = body.includeExecutionData !== false;
      const { page, nextToken } = sfnPage(e, body, {
        items: x.history.events,
        key: (ev) => [ev.id, 0],
        descending: reverse,
        scope: `${op}:${x.arn}:${reverse}`,
      });
      return { events: page.map((ev) => toWire(ev, includeData)), ...(nextToken ? { nextToken } : {}) };
    }
    case "StartExecution": {
      const x = startExecution(e, {
        stateMachineArn: str(body, "stateMachineArn", true),
        name: str(body, "name"),
        input: str(body, "input"),
      });
      return { executionArn: x.arn, startDate: x.startDate / 1000 };
    }
    case "StopExecution": {
      const x = stopExecution(e, str(body, "executionArn", true), str(body, "error"), str(body, "cause"));
      return { stopDate: (x.stopDate ?? now) / 1000 };
    }
    case "RedriveExecution": {
      const x = redriveExecution(e, str(body, "executionArn", true));
      return { redriveDate: (x.redriveDate ?? now) / 1000 };
    }
    case "ListMapRuns": {
      const x = getExecution(e, str(body, "executionArn", true));
      const mapRuns = [...e.mapRuns.values()].filter((r) => r.executionArn === x.arn);
      const { page, nextToken } = sfnPage(e, body, { items: mapRuns, ...NEWEST_FIRST, scope: `${op}:${x.arn}` });
      return { mapRuns: page.map(listedMapRun), ...(nextToken ? { nextToken } : {}) };
    }
    case "DescribeMapRun": {
      const arn = str(body, "mapRunArn", true);
      const r = e.mapRuns.get(arn);
      if (!r) throw new AwsError("ResourceNotFound", `Resource not found: '${arn}'`);
      const counts = countsOf(e, r);
      return clean({
        mapRunArn: r.arn,
        executionArn: r.executionArn,
        status: r.status,
        startDate: epoch(r.startDate),
        stopDate: epoch(r.stopDate),
        maxConcurrency: r.maxConcurrency,
        toleratedFailurePercentage: r.toleratedFailurePercentage,
        toleratedFailureCount: r.toleratedFailureCount,
        itemCounts: counts,
        executionCounts: counts,
        redriveCount: r.redriveCount,
        redriveDate: epoch(r.redriveDate),
      });
    }
    default:
      throw new AwsError("UnknownOperationException", `Operation ${op} is not supported by this emulator`);
  }
}

function clean(o: Record<string, Json | undefined>): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as JsonObject;
}
