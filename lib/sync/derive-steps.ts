/**
 * Derives the steps of one Step Functions execution from its raw history events — a pure function, so the
 * `step` table can be rebuilt from stored events at any time and re-running it yields identical rows.
 *
 * Approach. AWS history is a flat list: events carry no scope, only `previousEventId`, which points at the
 * preceding event *of the same thread* (a Map iteration or Parallel branch is its own thread). So we sort by
 * id and make one pass, recording for every event its context — the frame it runs in (execution root, a Map
 * iteration, a Parallel branch) and the step it belongs to — and each event inherits its context from the
 * event it points at. Events that start a thread open a frame: MapIterationStarted opens iteration `index`,
 * and a state entered right after ParallelStateStarted opens a branch (index from the ASL definition when
 * given, else order of appearance). Events that end or report on a state (exits, Map/Parallel outcomes)
 * point at whatever their thread did last, often deep inside a child frame, so they walk up from there to the
 * nearest open state of the right type and name. Keys come from the position: `Map[3]/Train`,
 * `Par{1}/Score`, and a per-key counter gives a state entered again in the same scope (loop, redrive) `#2`.
 *
 * Outcomes follow AWS semantics: a failure event marks the state FAILED (a retry re-opens it); an exit after
 * a failure means a Catch routed onward (CAUGHT); uncaught failures end in MapIterationFailed /
 * *StateFailed / ExecutionFailed, which close what was still open — the state the failure came from FAILED,
 * siblings cut short CANCELLED. Abort events only mark states "abort pending", because whether that was the
 * user aborting the execution (ABORTED) or a sibling's failure cancelling the branch (CANCELLED) is only
 * known from what comes next. Linear time: events indexed by id in a Map, walks bounded by nesting depth.
 *
 * Layout. This file walks the events and dispatches each by its type (HANDLERS) to its family in
 * lib/sync/derive/: states.ts (entered / exited), tasks.ts (attempts, jobs, failures), containers.ts
 * (Map, Parallel, Map Runs, iterations), execution.ts; model.ts holds the shared state (Derivation).
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { containerEvent, mapIterationEnded, mapIterationStarted } from "./derive/containers";
import {
  evaluationFailed,
  executionAborted,
  executionFailed,
  executionRedriven,
  executionStarted,
  executionSucceeded,
  executionTimedOut,
} from "./derive/execution";
import {
  aslStates,
  attemptLog,
  ENTERED_TYPES,
  EXITED_TYPES,
  KNOWN_OTHER_TYPES,
  TASK_FAILURE_TYPES,
  TASK_PROGRESS_TYPES,
  toDate,
  uniqueSortedEvents,
} from "./derive/helpers";
import type {
  Context,
  Derivation,
  DerivedStep,
  DeriveStepsOptions,
  DeriveStepsResult,
  EventHandler,
  Frame,
  StepState,
  StepStatus,
} from "./derive/model";
import { enterState, exitState } from "./derive/states";
import { scheduleTask, stateAborted, taskFailure, taskProgress } from "./derive/tasks";

export type {
  DerivedStep,
  DeriveStepsOptions,
  DeriveStepsResult,
  StateType,
  StepAttempt,
  StepStatus,
} from "./derive/model";

const MAX_WARNINGS = 200;

/** Which handler takes which event type: the dispatch table of the event families in lib/sync/derive/. */
const HANDLERS = new Map<string, EventHandler>([
  ...Object.keys(ENTERED_TYPES).map((t) => [t, enterState] as const),
  ...Object.keys(EXITED_TYPES).map((t) => [t, exitState] as const),
  ...["TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"].map((t) => [t, scheduleTask] as const),
  ...[...TASK_PROGRESS_TYPES].map((t) => [t, taskProgress] as const),
  ...Object.keys(TASK_FAILURE_TYPES).map((t) => [t, taskFailure] as const),
  ["ExecutionStarted", executionStarted],
  ["ExecutionRedriven", executionRedriven],
  ["ExecutionSucceeded", executionSucceeded],
  ["ExecutionAborted", executionAborted],
  ["ExecutionTimedOut", executionTimedOut],
  ["ExecutionFailed", executionFailed],
  ["EvaluationFailed", evaluationFailed],
  ["TaskStateAborted", stateAborted],
  ["WaitStateAborted", stateAborted],
  ...[
    "MapStateStarted",
    "ParallelStateStarted",
    "MapStateSucceeded",
    "ParallelStateSucceeded",
    "MapRunStarted",
    "MapRunSucceeded",
    "MapRunRedriven",
    "MapStateFailed",
    "ParallelStateFailed",
    "MapRunFailed",
    "MapStateAborted",
    "ParallelStateAborted",
    "MapRunAborted",
  ].map((t) => [t, containerEvent] as const),
  ["MapIterationStarted", mapIterationStarted],
  ["MapIterationSucceeded", mapIterationEnded],
  ["MapIterationFailed", mapIterationEnded],
  ["MapIterationAborted", mapIterationEnded],
]);
// Every type the derivation knows has a handler (a known type without one would be "unknown").
for (const type of KNOWN_OTHER_TYPES) if (!HANDLERS.has(type)) throw new Error(`deriveSteps: no handler for ${type}`);

export function deriveSteps(events: readonly HistoryEvent[], options: DeriveStepsOptions = {}): DeriveStepsResult {
  const warnings: string[] = [];
  let suppressed = 0;
  const warn = (event: HistoryEvent | null, message: string): void => {
    if (warnings.length >= MAX_WARNINGS) {
      suppressed++;
      return;
    }
    warnings.push(event ? `event ${String(event.id)} (${String(event.type)}): ${message}` : message);
  };

  const sorted = uniqueSortedEvents(events, warn);
  const rootFrame: Frame = {
    prefix: "",
    container: null,
    mapIterationIndex: null,
    parallelBranchIndex: null,
    depth: 0,
    states: aslStates(options.definition),
    steps: [],
  };
  const root: Context = { frame: rootFrame, step: null };
  const contexts = new Map<number, Context>();
  const typeById = new Map<number, string>();
  const steps: StepState[] = [];
  const open = new Set<StepState>();
  const keyCounts = new Map<string, number>();

  const close = (step: StepState, status: StepStatus, at: HistoryEvent, time: Date): void => {
    step.out.status = status;
    if (step.out.exitedAt === null) {
      step.out.exitedAt = new Date(time.getTime());
      step.out.exitedEventId = at.id ?? null;
    }
    step.closed = true;
    step.abortPending = false;
    open.delete(step);
  };

  /** Ends every still-open state under a Map/Parallel (or one iteration) that has just finished. */
  const settleFrames = (
    frames: readonly Frame[],
    resolve: (step: StepState) => StepStatus,
    at: HistoryEvent,
    time: Date,
  ) => {
    for (const frame of frames) {
      for (const child of frame.steps) {
        if (child.closed) continue;
        close(child, resolve(child), at, time);
        settleFrames(child.childFrames, resolve, at, time);
      }
    }
  };

  const markAbortPending = (step: StepState, time: Date, at: HistoryEvent): void => {
    if (step.closed) return;
    step.abortPending = true;
    if (step.out.exitedAt === null) {
      step.out.exitedAt = new Date(time.getTime());
      step.out.exitedEventId = at.id ?? null;
    }
    for (const frame of step.childFrames) for (const child of frame.steps) markAbortPending(child, time, at);
  };

  const dv: Derivation = {
    root,
    contexts,
    typeById,
    steps,
    open,
    keyCounts,
    redriven: false,
    warn,
    close,
    settleFrames,
    markAbortPending,
  };

  for (const event of sorted) {
    const id = event.id as number; // uniqueSortedEvents keeps only events with a valid id
    const type = typeof event.type === "string" ? event.type : "";
    const prevId = event.previousEventId;
    typeById.set(id, type);
    let prev = root;
    if (typeof prevId === "number" && prevId > 0) {
      const known = contexts.get(prevId);
      if (known) prev = known;
      else warn(event, `previous event ${prevId} is missing; attributed to the execution's top level`);
    }
    // Until the event is understood it passes its thread on unchanged, so a skipped event never cuts a chain.
    contexts.set(id, prev);

    const time = toDate(event.timestamp);
    if (!time) {
      warn(event, "missing or invalid timestamp; skipped");
      continue;
    }

    const handle = HANDLERS.get(type);
    if (!handle) {
      warn(event, type === "" ? "no event type; skipped" : "unknown event type; skipped");
      continue;
    }
    if (type.startsWith("Execution")) {
      // Execution events are not part of any thread. AWS (and the emulator) point ExecutionAborted at the last
      // event overall, possibly deep in an iteration; a redrive then resumes at the top level, not in there.
      contexts.set(id, root);
    }
    handle(dv, { event, id, type, prevId: typeof prevId === "number" ? prevId : undefined, prev, time });
  }

  // A history that ends mid-abort (the execution's own ExecutionAborted not synced yet) can only be an abort:
  // a sibling failure would have been settled by the failing Map/Parallel state's event.
  for (const step of open) {
    if (step.abortPending) {
      step.out.status = "ABORTED";
      step.closed = true;
    }
  }
  for (const step of steps) step.out.attemptLog = attemptLog(step);
  if (suppressed > 0) warnings.push(`… and ${suppressed} more warnings`);
  return { steps: steps.map((s) => s.out), warnings };
}

/** Counts of steps by status, e.g. for a run's progress bar. */
export function summariseSteps(steps: readonly Pick<DerivedStep, "status">[]): Record<StepStatus, number> {
  const counts: Record<StepStatus, number> = {
    RUNNING: 0,
    SUCCEEDED: 0,
    FAILED: 0,
    CAUGHT: 0,
    ABORTED: 0,
    TIMED_OUT: 0,
    CANCELLED: 0,
  };
  for (const step of steps) counts[step.status]++;
  return counts;
}
