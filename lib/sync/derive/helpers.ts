/** deriveSteps (lib/sync/derive-steps.ts): the event-type tables and the small functions the event families share. */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import type { AslStates, Context, Frame, StateType, StepAttempt, StepState, StepStatus } from "./model";

export const ENTERED_TYPES: Record<string, StateType> = {
  TaskStateEntered: "Task",
  ChoiceStateEntered: "Choice",
  PassStateEntered: "Pass",
  WaitStateEntered: "Wait",
  ParallelStateEntered: "Parallel",
  MapStateEntered: "Map",
  SucceedStateEntered: "Succeed",
  FailStateEntered: "Fail",
};

export const EXITED_TYPES: Record<string, StateType> = {
  TaskStateExited: "Task",
  ChoiceStateExited: "Choice",
  PassStateExited: "Pass",
  WaitStateExited: "Wait",
  ParallelStateExited: "Parallel",
  MapStateExited: "Map",
  SucceedStateExited: "Succeed",
};

/** Failure events of one Task attempt and the status each leaves the state in until a retry or catch. */
export const TASK_FAILURE_TYPES: Record<string, "FAILED" | "TIMED_OUT"> = {
  TaskFailed: "FAILED",
  TaskStartFailed: "FAILED",
  TaskSubmitFailed: "FAILED",
  TaskTimedOut: "TIMED_OUT",
  LambdaFunctionFailed: "FAILED",
  LambdaFunctionScheduleFailed: "FAILED",
  LambdaFunctionStartFailed: "FAILED",
  LambdaFunctionTimedOut: "TIMED_OUT",
  ActivityFailed: "FAILED",
  ActivityScheduleFailed: "FAILED",
  ActivityTimedOut: "TIMED_OUT",
};

/** Events that only report progress of a Task attempt; they matter for attribution, not for status. */
export const TASK_PROGRESS_TYPES = new Set([
  "TaskStarted",
  "TaskSubmitted",
  "TaskSucceeded",
  "LambdaFunctionStarted",
  "LambdaFunctionSucceeded",
  "ActivityStarted",
  "ActivitySucceeded",
]);

export const KNOWN_OTHER_TYPES = new Set([
  "ExecutionStarted",
  "ExecutionSucceeded",
  "ExecutionFailed",
  "ExecutionAborted",
  "ExecutionTimedOut",
  "ExecutionRedriven",
  "TaskScheduled",
  "LambdaFunctionScheduled",
  "ActivityScheduled",
  "TaskStateAborted",
  "WaitStateAborted",
  "EvaluationFailed",
  "MapStateStarted",
  "MapStateSucceeded",
  "MapStateFailed",
  "MapStateAborted",
  "MapIterationStarted",
  "MapIterationSucceeded",
  "MapIterationFailed",
  "MapIterationAborted",
  "MapRunStarted",
  "MapRunSucceeded",
  "MapRunFailed",
  "MapRunAborted",
  "MapRunRedriven",
  "ParallelStateStarted",
  "ParallelStateSucceeded",
  "ParallelStateFailed",
  "ParallelStateAborted",
]);

/** SageMaker (and similar) jobs a Task can start, by the name used in the API's request/response keys. */
export const JOB_KINDS = [
  "TrainingJob",
  "TransformJob",
  "ProcessingJob",
  "HyperParameterTuningJob",
  "AutoMLJob",
  "CompilationJob",
  "LabelingJob",
] as const;

/** Groups a created model package belongs to are named, not the package, so the group stands in as "name". */
export function jobKeys(kind: string): { name: string; arn: string } {
  return kind === "ModelPackage"
    ? { name: "ModelPackageGroupName", arn: "ModelPackageArn" }
    : { name: `${kind}Name`, arn: `${kind}Arn` };
}

export const KIND_FROM_RESOURCE =
  /create(TrainingJob|TransformJob|ProcessingJob|HyperParameterTuningJob|AutoMLJob|CompilationJob|LabelingJob|ModelPackage)/i;

export function uniqueSortedEvents(
  events: readonly HistoryEvent[],
  warn: (event: HistoryEvent | null, message: string) => void,
): HistoryEvent[] {
  const byId = new Map<number, HistoryEvent>();
  for (const event of events) {
    const id = event?.id;
    if (typeof id !== "number" || !Number.isInteger(id) || id <= 0) {
      warn(null, `event without a valid id (type ${String(event?.type)}); skipped`);
      continue;
    }
    const first = byId.get(id);
    if (!first) byId.set(id, event);
    else if (first.type !== event.type)
      warn(event, `duplicate id with a different type (${String(first.type)}); kept the first`);
  }
  return [...byId.values()].sort((a, b) => (a.id as number) - (b.id as number));
}

/** Walks from a thread's current state out through the enclosing Map/Parallel states to the first match. */
export function findStep(context: Context, match: (step: StepState) => boolean): StepState | null {
  let candidate = context.step;
  let frame = context.frame;
  for (;;) {
    if (candidate && match(candidate)) return candidate;
    const up = frame.container;
    if (!up) return null;
    candidate = up;
    frame = up.frame;
  }
}

/** Last resort for an exit whose chain is broken: the most recently entered open state of that name. */
export function findOpenByName(open: Set<StepState>, stateType: StateType, name: string): StepState | null {
  let found: StepState | null = null;
  for (const step of open) if (step.out.stateType === stateType && step.out.stateName === name) found = step;
  return found;
}

export function openBranch(
  parallel: StepState,
  firstStateName: string,
  event: HistoryEvent,
  warn: (event: HistoryEvent | null, message: string) => void,
): Frame {
  const branches = Array.isArray(parallel.definition?.Branches) ? (parallel.definition.Branches as unknown[]) : null;
  let index = -1;
  let states: AslStates | null = null;
  if (branches) {
    index = branches.findIndex((b) => Object.hasOwn(aslStates(b) ?? {}, firstStateName));
    if (index >= 0) states = aslStates(branches[index]);
    else warn(event, `state "${firstStateName}" is in no branch of "${parallel.out.stateName}"; numbered by order`);
  }
  if (index < 0) index = parallel.branchesOpened;
  parallel.branchesOpened++;
  const frame: Frame = {
    prefix: `${parallel.out.key}{${index}}/`,
    container: parallel,
    mapIterationIndex: null,
    parallelBranchIndex: index,
    depth: parallel.out.depth + 1,
    states,
    steps: [],
  };
  parallel.childFrames.push(frame);
  return frame;
}

/** Back to running: a retry (or a redriven Map Run) clears the provisional end of the failed attempt. */
export function reopen(step: StepState): void {
  step.out.status = "RUNNING";
  step.out.exitedAt = null;
  step.out.exitedEventId = null;
  step.abortPending = false;
}

export function markFailed(
  step: StepState,
  status: "FAILED" | "TIMED_OUT",
  error: string | undefined,
  cause: string | undefined,
  event: HistoryEvent,
  time: Date,
): void {
  step.out.status = status;
  // The latest failure wins, but a bare failure event must not erase what an earlier one explained.
  if (error !== undefined || cause !== undefined) {
    step.out.error = error ?? null;
    step.out.cause = cause ?? null;
  }
  // Provisional end: a retry re-opens it, an exit (Catch) replaces it.
  step.out.exitedAt = new Date(time.getTime());
  step.out.exitedEventId = event.id ?? null;
}

export function latestFailedChild(container: StepState): StepState | null {
  let latest: StepState | null = null;
  for (const frame of container.childFrames) {
    for (const child of frame.steps) {
      if (child.out.error === null || (child.out.status !== "FAILED" && child.out.status !== "TIMED_OUT")) continue;
      if (!latest || (child.out.exitedEventId ?? 0) > (latest.out.exitedEventId ?? 0)) latest = child;
    }
  }
  return latest;
}

/** Status of a state still open when its iteration/branch ended because of a failure. */
export function settledStatus(step: StepState, origin: StepState | null): StepStatus {
  if (step.abortPending) return "CANCELLED";
  if (step.out.status === "FAILED" || step.out.status === "TIMED_OUT") return step.out.status;
  return step === origin ? "FAILED" : "CANCELLED";
}

export function failureDetails(event: HistoryEvent): { error?: string; cause?: string } {
  return (
    event.taskFailedEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.activityFailedEventDetails ??
    event.activityScheduleFailedEventDetails ??
    event.activityTimedOutEventDetails ??
    {}
  );
}

export function scheduledDetails(
  event: HistoryEvent,
): { resource: string | null; resourceType: string; parameters: string | undefined } | null {
  if (event.taskScheduledEventDetails) {
    const d = event.taskScheduledEventDetails;
    return { resource: d.resource ?? null, resourceType: d.resourceType ?? "task", parameters: d.parameters };
  }
  if (event.lambdaFunctionScheduledEventDetails) {
    const d = event.lambdaFunctionScheduledEventDetails;
    return { resource: d.resource ?? null, resourceType: "lambda", parameters: d.input };
  }
  if (event.activityScheduledEventDetails) {
    const d = event.activityScheduledEventDetails;
    return { resource: d.resource ?? null, resourceType: "activity", parameters: undefined };
  }
  return null;
}

export function jobKindFromResource(resource: string | null | undefined): string | null {
  const match = resource ? KIND_FROM_RESOURCE.exec(resource) : null;
  const found = match?.[1]?.toLowerCase();
  if (!found) return null;
  return [...JOB_KINDS, "ModelPackage"].find((k) => k.toLowerCase() === found) ?? null;
}

/**
 * The job named in a request (TaskScheduled parameters) or response (TaskSubmitted / TaskSucceeded output).
 * Only top-level keys count: a Describe* response nests other jobs' ARNs (e.g. a tuning job's best training
 * job), and when the resource tells the kind only that kind's keys are read.
 */
export function jobFromJson(
  json: string | undefined,
  kind: string | null,
): { name: string | null; arn: string | null } {
  const none = { name: null, arn: null };
  // Cheap pre-check: outputs can be 256 KiB and most tasks are not jobs.
  if (!json || !/Job|ModelPackage/.test(json)) return none;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return jobFromTruncatedJson(json, kind);
  }
  const object = asRecord(parsed);
  if (!object) return none;
  for (const k of kind ? [kind] : [...JOB_KINDS, "ModelPackage"]) {
    const keys = jobKeys(k);
    const name = stringOrNull(object[keys.name]);
    const arn = stringOrNull(object[keys.arn]);
    if (name || arn) return { name, arn };
  }
  return none;
}

/** AWS truncates large payloads (outputDetails.truncated); the identifying keys usually survive near the top. */
export function jobFromTruncatedJson(json: string, kind: string | null): { name: string | null; arn: string | null } {
  for (const k of kind ? [kind] : [...JOB_KINDS, "ModelPackage"]) {
    const keys = jobKeys(k);
    const name = new RegExp(`"${keys.name}"\\s*:\\s*"([^"]+)"`).exec(json)?.[1] ?? null;
    const arn = new RegExp(`"${keys.arn}"\\s*:\\s*"([^"]+)"`).exec(json)?.[1] ?? null;
    if (name || arn) return { name, arn };
  }
  return { name: null, arn: null };
}

/** Timestamps are Dates from the SDK, but strings or epoch numbers once a stored event went through JSON. */
export function toDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === "string" || typeof value === "number") {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

/** Own keys only: an event type like "constructor" must not find Object.prototype members. */
export function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

export function aslStates(scope: unknown): AslStates | null {
  return asRecord(asRecord(scope)?.States);
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** Longest cause kept per attempt: enough for a stack trace's head, small enough for the step row. */
const ATTEMPT_CAUSE_CHARS = 1000;

/** A Task schedule, or a Map/Parallel (re)start: a new attempt begins. */
export function startAttempt(step: StepState, time: Date): void {
  step.attemptList.push({ start: new Date(time.getTime()), end: null, failed: null, error: null, cause: null });
}

/**
 * The current attempt failed (one is opened at the state's entry when the failure came before any schedule).
 * A second failure event of the same attempt (MapRunFailed then MapStateFailed) refines it in place.
 */
export function failAttempt(
  step: StepState,
  status: "FAILED" | "TIMED_OUT",
  error: string | undefined,
  cause: string | undefined,
  time: Date,
): void {
  let current = step.attemptList.at(-1);
  if (!current) {
    current = { start: step.out.enteredAt, end: null, failed: null, error: null, cause: null };
    step.attemptList.push(current);
  }
  current.end = new Date(time.getTime());
  current.failed = status;
  // As for the step: a bare failure event must not erase what an earlier one explained.
  if (error !== undefined || cause !== undefined) {
    current.error = error ?? null;
    current.cause = cause === undefined ? null : cause.slice(0, ATTEMPT_CAUSE_CHARS);
  }
}

/** The attempts to store: null when the state ran once (its own times and error say it all). */
export function attemptLog(step: StepState): StepAttempt[] | null {
  if (step.attemptList.length < 2) return null;
  const last = step.attemptList.length - 1;
  return step.attemptList.map((a, i) => {
    // The last attempt lasts until the step ends; a failure the step then caught (or retried in vain) keeps
    // its own status, whatever came after.
    const end = a.end ?? (i === last ? step.out.exitedAt : null);
    return {
      startedAt: a.start.toISOString(),
      endedAt: end ? end.toISOString() : null,
      status: a.failed ?? (i === last ? step.out.status : "FAILED"),
      error: a.error,
      cause: a.cause,
    };
  });
}
