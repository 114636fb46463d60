/**
 * A compact Amazon States Language interpreter that writes AWS-shaped execution history.
 *
 * Why our own instead of aws-local-stepfunctions (the library STYLE.md suggests): its only published
 * 3.x line requires Node >= 22 (we run 20), it has no redrive, and its event log is not AWS's
 * history (no previousEventId chain, no Task, Map or Parallel detail members). Stepwise's sync must
 * not be able to tell the emulator from AWS, so the history shape is the product here, and an
 * interpreter that emits it directly is smaller than translating another engine's log.
 *
 * Supported: Task, Pass, Choice, Wait, Parallel, Map (inline, and DISTRIBUTED through a host hook),
 * Succeed, Fail; Retry / Catch; InputPath, Parameters, ResultSelector, ResultPath, OutputPath,
 * ItemsPath / ItemSelector / ItemProcessor / Iterator / MaxConcurrency; the context object ($$);
 * common intrinsics. Redrive follows AWS: the execution continues from the states that have no
 * Exited event, and only the failed branches / iterations of a Parallel or inline Map rerun.
 */
import { AbortedError, type Clock, type Json, type JsonObject } from "../util";
import { matchesRule } from "./choice";
import type { HistoryRecorder, Thread } from "./history";
import { evalTemplate, readPath, StatesError, selectPath, writePath } from "./paths";

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}
export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}
export interface Machine {
  StartAt: string;
  States: Record<string, StateDef>;
  Comment?: string;
}
export interface StateDef {
  Type: "Task" | "Pass" | "Choice" | "Wait" | "Parallel" | "Map" | "Succeed" | "Fail";
  Next?: string;
  End?: boolean;
  InputPath?: string | null;
  OutputPath?: string | null;
  ResultPath?: string | null;
  Parameters?: Json;
  ResultSelector?: Json;
  Result?: Json;
  Resource?: string;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Choices?: (JsonObject & { Next: string })[];
  Default?: string;
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  Branches?: Machine[];
  ItemsPath?: string;
  ItemSelector?: Json;
  ItemProcessor?: Machine & { ProcessorConfig?: { Mode?: string; ExecutionType?: string } };
  Iterator?: Machine;
  MaxConcurrency?: number;
  Label?: string;
  ToleratedFailurePercentage?: number;
  Error?: string;
  Cause?: string;
  ErrorPath?: string;
  CausePath?: string;
}

/** Validates the parts of a definition the interpreter relies on; throws a message for InvalidDefinition. */
export function parseDefinition(text: string): Machine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`Invalid State Machine Definition: '${(e as Error).message}'`);
  }
  checkMachine(parsed, "");
  return parsed as Machine;
}

const stateTypes = new Set(["Task", "Pass", "Choice", "Wait", "Parallel", "Map", "Succeed", "Fail"]);

function checkMachine(m: unknown, where: string): asserts m is Machine {
  function fail(msg: string): never {
    throw new Error(`Invalid State Machine Definition: '${msg}' at /${where}`);
  }
  if (typeof m !== "object" || m === null) fail("definition must be an object");
  const { StartAt, States } = m as { StartAt?: unknown; States?: unknown };
  if (typeof StartAt !== "string") fail("MISSING_START_AT");
  if (typeof States !== "object" || States === null) fail("MISSING_STATES");
  const states = States as Record<string, unknown>;
  if (!(StartAt in states)) fail(`MISSING_TRANSITION_TARGET: ${StartAt}`);
  for (const [name, s] of Object.entries(states)) {
    const st = s as Partial<StateDef>;
    if (!st || typeof st !== "object" || !stateTypes.has(String(st.Type))) fail(`INVALID_STATE_TYPE: ${name}`);
    const targets = [
      st.Next,
      st.Default,
      ...(st.Choices ?? []).map((c) => c.Next),
      ...(st.Catch ?? []).map((c) => c.Next),
    ];
    for (const t of targets) if (t !== undefined && !(t in states)) fail(`MISSING_TRANSITION_TARGET: ${t}`);
    if (!["Choice", "Succeed", "Fail"].includes(String(st.Type)) && !st.Next && !st.End)
      fail(`MISSING_TRANSITION: ${name}`);
    if (st.Type === "Task" && typeof st.Resource !== "string") fail(`MISSING_RESOURCE: ${name}`);
    for (const [i, b] of (st.Branches ?? []).entries()) checkMachine(b, `${where}States/${name}/Branches[${i}]`);
    if (st.Type === "Map") checkMachine(st.ItemProcessor ?? st.Iterator, `${where}States/${name}/ItemProcessor`);
  }
}

// ---------------------------------------------------------------------------------------------

export interface TaskInvocation {
  resource: string;
  resourceType: string;
  resourceName: string;
  parameters: Json;
  stateName: string;
  attempt: number;
  clock: Clock;
  signal: AbortSignal;
  /** Writes TaskSubmitted (for .sync integrations, once the job was created). */
  submitted(output: Json): void;
}

export interface DistributedMapRequest {
  stateName: string;
  label: string;
  items: Json[];
  processor: Machine;
  executionType: string;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
  /** the redrive memo prefix of this Map, so redriving reruns only failed children */
  path: string;
  /**
   * Set when the parent is redriven and this Map's Map Run did not succeed: AWS redrives that Map Run (only
   * its unsuccessful children run again) instead of starting a new one.
   */
  redriveOf?: string;
  started(mapRunArn: string): void;
  /** Writes MapRunRedriven (the redrive of `redriveOf`). */
  redriven(mapRunArn: string, redriveCount: number): void;
}

export interface InterpreterHost {
  executionArn: string;
  executionName: string;
  stateMachineArn: string;
  stateMachineName: string;
  roleArn: string;
  region: string;
  startTime: number;
  input: Json;
  redriveCount: number;
  clock: Clock;
  signal: AbortSignal;
  history: HistoryRecorder;
  memo: RedriveMemo;
  uuid: () => string;
  runTask(invocation: TaskInvocation): Promise<Json>;
  runDistributedMap?(request: DistributedMapRequest): Promise<Json[]>;
}

/** What a redrive needs: where each scope (top level, branch, iteration) was, and which finished. */
export interface RedriveMemo {
  position: Map<string, { state: string; input: Json }>;
  done: Map<string, Json>;
  /** The Map Run each distributed Map (by its memo path) started last. */
  mapRuns: Map<string, string>;
}

export const newMemo = (): RedriveMemo => ({ position: new Map(), done: new Map(), mapRuns: new Map() });

const isDistributed = (s: StateDef) => s.Type === "Map" && s.ItemProcessor?.ProcessorConfig?.Mode === "DISTRIBUTED";

export type Outcome =
  | { status: "SUCCEEDED"; output: Json }
  | { status: "FAILED"; error: string; cause: string }
  | { status: "ABORTED" };

const str = (v: Json) => JSON.stringify(v);
const dataIn = (input: Json) => ({ input: str(input), inputDetails: { truncated: false } });
const dataOut = (output: Json) => ({ output: str(output), outputDetails: { truncated: false } });

export function parseResource(resource: string): { resourceType: string; resourceName: string } {
  const m = /^arn:aws[\w-]*:states:[^:]*:[^:]*:([^:]+):(.+)$/.exec(resource);
  if (m?.[1] && m[2]) return { resourceType: m[1], resourceName: m[2] };
  if (/^arn:aws[\w-]*:lambda:/.test(resource)) return { resourceType: "lambda", resourceName: resource };
  return { resourceType: "activity", resourceName: resource };
}

function errorMatches(list: string[], e: StatesError): boolean {
  return list.some(
    (name) =>
      name === e.error ||
      (name === "States.ALL" && e.error !== "States.Runtime") ||
      (name === "States.TaskFailed" && e.error !== "States.Timeout" && e.error !== "States.Runtime"),
  );
}

type StepResult = { next?: string; output: Json };

const exitedType = (t: StateDef["Type"]) =>
  t === "Parallel" ? "ParallelStateExited" : t === "Map" ? "MapStateExited" : "TaskStateExited";

export class Interpreter {
  constructor(private readonly host: InterpreterHost) {}

  /** Runs (or, with resume, redrives) the whole workflow and writes the terminal execution event. */
  async run(machine: Machine, thread: Thread, resume: boolean): Promise<Outcome> {
    const { history } = this.host;
    try {
      const output = await this.runScope("", machine, this.host.input, thread, resume);
      history.emit(thread, "ExecutionSucceeded", dataOut(output));
      return { status: "SUCCEEDED", output };
    } catch (e) {
      if (e instanceof AbortedError || this.host.signal.aborted) return { status: "ABORTED" };
      const err = e instanceof StatesError ? e : new StatesError("States.Runtime", String(e));
      history.emit(thread, "ExecutionFailed", { error: err.error, cause: err.errorCause });
      return { status: "FAILED", error: err.error, cause: err.errorCause };
    }
  }

  private async runScope(path: string, machine: Machine, input: Json, thread: Thread, resume: boolean): Promise<Json> {
    const { memo } = this.host;
    let name = machine.StartAt;
    let current = input;
    const at = resume ? memo.position.get(path) : undefined;
    if (at) {
      name = at.state;
      current = at.input;
    }
    let resuming = resume && at !== undefined;
    for (;;) {
      if (this.host.signal.aborted) throw new AbortedError();
      const state = machine.States[name];
      if (!state) throw new StatesError("States.Runtime", `State '${name}' not found`);
      memo.position.set(path, { state: name, input: current });
      const r = await this.runState(path, name, state, current, thread, resuming);
      resuming = false;
      if (r.next === undefined) return r.output;
      name = r.next;
      current = r.output;
    }
  }

  private context(stateName: string, retryCount: number, extra?: JsonObject): JsonObject {
    const h = this.host;
    return {
      Execution: {
        Id: h.executionArn,
        Input: h.input,
        Name: h.executionName,
        RoleArn: h.roleArn,
        StartTime: new Date(h.startTime).toISOString(),
        RedriveCount: h.redriveCount,
      },
      StateMachine: { Id: h.stateMachineArn, Name: h.stateMachineName },
      State: { EnteredTime: new Date(h.clock.now()).toISOString(), Name: stateName, RetryCount: retryCount },
      ...extra,
    };
  }

  private env() {
    return { uuid: this.host.uuid };
  }

  private async runState(
    path: string,
    name: string,
    s: StateDef,
    raw: Json,
    thread: Thread,
    resuming: boolean,
  ): Promise<StepResult> {
    const h = this.host.history;
    const next = s.End ? undefined : s.Next;
    // A redriven distributed Map whose Map Run failed continues that Map Run: AWS writes no second
    // MapStateEntered / MapStateStarted, only MapRunRedriven (then the Map Run's and the state's outcome).
    const redrivingMapRun =
      resuming && isDistributed(s) && this.host.memo.mapRuns.has(`${path}/${name}`) && this.host.runDistributedMap;
    if (!redrivingMapRun) h.emit(thread, `${s.Type}StateEntered`, { name, ...dataIn(raw) });
    switch (s.Type) {
      case "Pass": {
        const ctx = this.context(name, 0);
        const eff = selectPath(s.InputPath, raw, ctx);
        const result =
          s.Result !== undefined
            ? s.Result
            : s.Parameters !== undefined
              ? evalTemplate(s.Parameters, eff, ctx, this.env())
              : eff;
        const output = selectPath(s.OutputPath, writePath(s.ResultPath, raw, result), ctx);
        h.emit(thread, "PassStateExited", { name, ...dataOut(output) });
        return { next, output };
      }
      case "Succeed": {
        const output = selectPath(s.OutputPath, selectPath(s.InputPath, raw, null), null);
        h.emit(thread, "SucceedStateExited", { name, ...dataOut(output) });
        return { output };
      }
      case "Fail": {
        const ctx = this.context(name, 0);
        const error = s.ErrorPath ? String(readPath(s.ErrorPath, raw, ctx)) : (s.Error ?? "States.Fail");
        const cause = s.CausePath ? String(readPath(s.CausePath, raw, ctx)) : (s.Cause ?? "");
        throw new StatesError(error, cause);
      }
      case "Choice": {
        const ctx = this.context(name, 0);
        const eff = selectPath(s.InputPath, raw, ctx);
        const rule = (s.Choices ?? []).find((c) => matchesRule(c, eff, ctx));
        const target = rule?.Next ?? s.Default;
        if (!target) throw new StatesError("States.NoChoiceMatched", `No Matches! ${str(eff)}`);
        const output = selectPath(s.OutputPath, eff, ctx);
        h.emit(thread, "ChoiceStateExited", { name, ...dataOut(output) });
        return { next: target, output };
      }
      case "Wait": {
        const ctx = this.context(name, 0);
        const eff = selectPath(s.InputPath, raw, ctx);
        let ms = 0;
        if (s.Seconds !== undefined) ms = s.Seconds * 1000;
        else if (s.SecondsPath) ms = Number(readPath(s.SecondsPath, eff, ctx)) * 1000;
        else {
          const ts = s.Timestamp ?? (s.TimestampPath ? String(readPath(s.TimestampPath, eff, ctx)) : undefined);
          if (ts) ms = Math.max(0, Date.parse(ts) - this.host.clock.now());
        }
        await this.host.clock.sleep(ms, this.host.signal);
        const output = selectPath(s.OutputPath, eff, ctx);
        h.emit(thread, "WaitStateExited", { name, ...dataOut(output) });
        return { next, output };
      }
      case "Task":
      case "Parallel":
      case "Map":
        return this.runWithRetry(path, name, s, raw, thread, next, resuming);
    }
  }

  /** Task, Parallel and Map share Retry / Catch / ResultSelector / ResultPath / OutputPath. */
  private async runWithRetry(
    path: string,
    name: string,
    s: StateDef,
    raw: Json,
    thread: Thread,
    next: string | undefined,
    resuming: boolean,
  ): Promise<StepResult> {
    const h = this.host.history;
    const attemptsByRetrier = new Map<number, number>();
    let attempt = 0;
    if (!resuming && s.Type !== "Task") this.forgetChildren(`${path}/${name}`);
    for (;;) {
      const ctx = this.context(name, attempt);
      try {
        const eff = selectPath(s.InputPath, raw, ctx);
        let result: Json;
        if (s.Type === "Task") result = await this.task(name, s, eff, ctx, thread, attempt);
        else if (s.Type === "Parallel") result = await this.parallel(path, name, s, eff, thread);
        else result = await this.map(path, name, s, eff, ctx, thread, resuming && attempt === 0);
        const selected =
          s.ResultSelector !== undefined ? evalTemplate(s.ResultSelector, result, ctx, this.env()) : result;
        const output = selectPath(s.OutputPath, writePath(s.ResultPath, raw, selected), ctx);
        h.emit(thread, exitedType(s.Type), { name, ...dataOut(output) });
        return { next, output };
      } catch (e) {
        if (e instanceof AbortedError || this.host.signal.aborted) throw new AbortedError();
        const err = e instanceof StatesError ? e : new StatesError("States.Runtime", String(e));
        const idx = (s.Retry ?? []).findIndex((r) => errorMatches(r.ErrorEquals, err));
        const retrier = s.Retry?.[idx];
        if (retrier && err.error !== "States.Runtime") {
          const used = attemptsByRetrier.get(idx) ?? 0;
          if (used < (retrier.MaxAttempts ?? 3)) {
            attemptsByRetrier.set(idx, used + 1);
            attempt++;
            let delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** used;
            if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
            await this.host.clock.sleep(delay * 1000, this.host.signal);
            continue;
          }
        }
        const catcher =
          err.error === "States.Runtime" ? undefined : (s.Catch ?? []).find((c) => errorMatches(c.ErrorEquals, err));
        if (catcher) {
          const output = writePath(catcher.ResultPath, raw, { Error: err.error, Cause: err.errorCause });
          h.emit(thread, exitedType(s.Type), { name, ...dataOut(output) });
          return { next: catcher.Next, output };
        }
        throw err;
      }
    }
  }

  private forgetChildren(prefix: string): void {
    const { memo } = this.host;
    for (const k of [...memo.done.keys()]) if (k.startsWith(prefix)) memo.done.delete(k);
    for (const k of [...memo.position.keys()]) if (k.startsWith(prefix)) memo.position.delete(k);
    for (const k of [...memo.mapRuns.keys()]) if (k.startsWith(prefix)) memo.mapRuns.delete(k);
  }

  private async task(
    name: string,
    s: StateDef,
    eff: Json,
    ctx: JsonObject,
    thread: Thread,
    attempt: number,
  ): Promise<Json> {
    const h = this.host.history;
    const resource = s.Resource ?? "";
    const { resourceType, resourceName } = parseResource(resource);
    const parameters = s.Parameters !== undefined ? evalTemplate(s.Parameters, eff, ctx, this.env()) : eff;
    const scheduled: JsonObject = {
      resourceType,
      resource: resourceName,
      region: this.host.region,
      parameters: str(parameters),
    };
    if (s.TimeoutSeconds !== undefined) scheduled.timeoutInSeconds = s.TimeoutSeconds;
    h.emit(thread, "TaskScheduled", scheduled);
    h.emit(thread, "TaskStarted", { resourceType, resource: resourceName });
    try {
      const output = await this.host.runTask({
        resource,
        resourceType,
        resourceName,
        parameters,
        stateName: name,
        attempt,
        clock: this.host.clock,
        signal: this.host.signal,
        submitted: (out) => h.emit(thread, "TaskSubmitted", { resourceType, resource: resourceName, ...dataOut(out) }),
      });
      h.emit(thread, "TaskSucceeded", { resourceType, resource: resourceName, ...dataOut(output) });
      return output;
    } catch (e) {
      if (e instanceof AbortedError || this.host.signal.aborted) throw new AbortedError();
      const err = e instanceof StatesError ? e : new StatesError("States.TaskFailed", String(e));
      h.emit(thread, "TaskFailed", { resourceType, resource: resourceName, error: err.error, cause: err.errorCause });
      throw err;
    }
  }

  private async parallel(path: string, name: string, s: StateDef, eff: Json, thread: Thread): Promise<Json> {
    const h = this.host.history;
    const { memo } = this.host;
    h.emit(thread, "ParallelStateStarted");
    const started = thread.last;
    const branches = s.Branches ?? [];
    const ends: number[] = [];
    // AWS stops sibling branches once one fails; we let them finish so their results are kept for
    // a redrive (which AWS also does: only failed branches rerun).
    const settled = await Promise.allSettled(
      branches.map(async (branch, i) => {
        const key = `${path}/${name}#${i}`;
        const cached = memo.done.get(key);
        if (cached !== undefined) return cached;
        const t: Thread = { last: started };
        try {
          const out = await this.runScope(key, branch, eff, t, memo.position.has(key));
          memo.done.set(key, out);
          return out;
        } finally {
          ends.push(t.last);
        }
      }),
    );
    thread.last = Math.max(thread.last, ...ends);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      if (failed.reason instanceof AbortedError || this.host.signal.aborted) throw new AbortedError();
      h.emit(thread, "ParallelStateFailed");
      throw failed.reason;
    }
    h.emit(thread, "ParallelStateSucceeded");
    return settled.map((r) => (r.status === "fulfilled" ? r.value : null));
  }

  private async map(
    path: string,
    name: string,
    s: StateDef,
    eff: Json,
    ctx: JsonObject,
    thread: Thread,
    resuming: boolean,
  ): Promise<Json> {
    const h = this.host.history;
    const { memo } = this.host;
    const itemsValue = s.ItemsPath ? readPath(s.ItemsPath, eff, ctx) : eff;
    if (!Array.isArray(itemsValue)) {
      throw new StatesError("States.Runtime", `Map ItemsPath must point to a JSON array, got ${str(itemsValue)}`);
    }
    const processor = s.ItemProcessor ?? s.Iterator;
    if (!processor) throw new StatesError("States.Runtime", "Map without ItemProcessor");
    const selector = s.ItemSelector ?? s.Parameters;
    const items = itemsValue.map((value, index) =>
      selector !== undefined
        ? evalTemplate(
            selector,
            eff,
            this.context(name, 0, { Map: { Item: { Index: index, Value: value } } }),
            this.env(),
          )
        : value,
    );
    const mode = s.ItemProcessor?.ProcessorConfig?.Mode;
    const memoPath = `${path}/${name}`;
    const redriveOf = resuming && mode === "DISTRIBUTED" ? memo.mapRuns.get(memoPath) : undefined;
    if (!(redriveOf && this.host.runDistributedMap)) h.emit(thread, "MapStateStarted", { length: items.length });

    if (mode === "DISTRIBUTED" && this.host.runDistributedMap) {
      try {
        const results = await this.host.runDistributedMap({
          stateName: name,
          label: s.Label ?? name,
          items,
          processor,
          executionType: s.ItemProcessor?.ProcessorConfig?.ExecutionType ?? "STANDARD",
          maxConcurrency: s.MaxConcurrency ?? 0,
          toleratedFailurePercentage: s.ToleratedFailurePercentage ?? 0,
          path: memoPath,
          redriveOf,
          started: (mapRunArn) => {
            memo.mapRuns.set(memoPath, mapRunArn);
            h.emit(thread, "MapRunStarted", { mapRunArn });
          },
          redriven: (mapRunArn, redriveCount) => h.emit(thread, "MapRunRedriven", { mapRunArn, redriveCount }),
        });
        h.emit(thread, "MapRunSucceeded");
        h.emit(thread, "MapStateSucceeded");
        return results;
      } catch (e) {
        if (e instanceof AbortedError || this.host.signal.aborted) throw new AbortedError();
        const err = e instanceof StatesError ? e : new StatesError("States.Runtime", String(e));
        h.emit(thread, "MapRunFailed", { error: err.error, cause: err.errorCause });
        h.emit(thread, "MapStateFailed");
        throw err;
      }
    }

    const results: Json[] = new Array(items.length).fill(null);
    const limit = s.MaxConcurrency && s.MaxConcurrency > 0 ? s.MaxConcurrency : items.length;
    let nextIndex = 0;
    let failure: unknown;
    const ends: number[] = [];
    const started = thread.last;
    // Iterations chain their events like AWS: each starts after the previous one's latest event.
    let lane = started;
    const worker = async () => {
      while (failure === undefined && nextIndex < items.length) {
        const index = nextIndex++;
        const key = `${path}/${name}[${index}]`;
        const cached = memo.done.get(key);
        if (cached !== undefined) {
          results[index] = cached;
          continue;
        }
        const t: Thread = { last: lane };
        h.emit(t, "MapIterationStarted", { name, index });
        try {
          const item = items[index] ?? null;
          const out = await this.runScope(key, processor, item, t, memo.position.has(key));
          memo.done.set(key, out);
          results[index] = out;
          h.emit(t, "MapIterationSucceeded", { name, index });
        } catch (e) {
          if (!(e instanceof AbortedError)) h.emit(t, "MapIterationFailed", { name, index });
          failure ??= e;
        } finally {
          lane = Math.max(lane, t.last);
          ends.push(t.last);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    thread.last = Math.max(thread.last, ...ends);
    if (failure !== undefined) {
      if (failure instanceof AbortedError || this.host.signal.aborted) throw new AbortedError();
      h.emit(thread, "MapStateFailed");
      throw failure;
    }
    h.emit(thread, "MapStateSucceeded");
    return results;
  }
}

export { StatesError };
