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
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import type { Step } from "@/lib/generated/prisma/client";

export type StateType = "Task" | "Choice" | "Pass" | "Wait" | "Parallel" | "Map" | "Succeed" | "Fail";

/** One execution of one state; the `step` row without its database ids. */
export type DerivedStep = Omit<Step, "id" | "runId" | "stateType"> & { stateType: StateType };

export type StepStatus = DerivedStep["status"];

export interface DeriveStepsOptions {
  /** The parsed ASL definition the execution ran; lets Parallel branches be numbered by the definition. */
  definition?: unknown;
}

export interface DeriveStepsResult {
  steps: DerivedStep[];
  /** Events skipped or attributed by guesswork, one line each, for logging. Never thrown. */
  warnings: string[];
}

const MAX_WARNINGS = 200;

/** The States object of an ASL scope (root, Map iterator, Parallel branch), or null when unknown. */
type AslStates = Record<string, unknown>;

interface Frame {
  /** Key prefix of the steps run in this frame: "", "Map[3]/", "Map[3]/Par{1}/". */
  prefix: string;
  container: StepState | null;
  mapIterationIndex: number | null;
  parallelBranchIndex: number | null;
  depth: number;
  states: AslStates | null;
  steps: StepState[];
}

interface StepState {
  out: DerivedStep;
  frame: Frame;
  /** The outcome is final; only a redrive without a new *StateEntered may re-open it. */
  closed: boolean;
  /** An abort event hit this state; ABORTED or CANCELLED is decided by what follows. */
  abortPending: boolean;
  /** Task schedules, or Map/Parallel starts, in this entry: each one after the first is a retry. */
  starts: number;
  /** Iteration / branch frames opened by a Map or Parallel step. */
  childFrames: Frame[];
  iterations: Map<number, Frame>;
  /** Branches opened since the last ParallelStateStarted, for numbering without a definition. */
  branchesOpened: number;
  /** This state's ASL node, when a definition was given. */
  definition: Record<string, unknown> | null;
}

interface Context {
  frame: Frame;
  step: StepState | null;
}

const ENTERED_TYPES: Record<string, StateType> = {
  TaskStateEntered: "Task",
  ChoiceStateEntered: "Choice",
  PassStateEntered: "Pass",
  WaitStateEntered: "Wait",
  ParallelStateEntered: "Parallel",
  MapStateEntered: "Map",
  SucceedStateEntered: "Succeed",
  FailStateEntered: "Fail",
};

const EXITED_TYPES: Record<string, StateType> = {
  TaskStateExited: "Task",
  ChoiceStateExited: "Choice",
  PassStateExited: "Pass",
  WaitStateExited: "Wait",
  ParallelStateExited: "Parallel",
  MapStateExited: "Map",
  SucceedStateExited: "Succeed",
};

/** Failure events of one Task attempt and the status each leaves the state in until a retry or catch. */
const TASK_FAILURE_TYPES: Record<string, "FAILED" | "TIMED_OUT"> = {
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
const TASK_PROGRESS_TYPES = new Set([
  "TaskStarted",
  "TaskSubmitted",
  "TaskSucceeded",
  "LambdaFunctionStarted",
  "LambdaFunctionSucceeded",
  "ActivityStarted",
  "ActivitySucceeded",
]);

const KNOWN_OTHER_TYPES = new Set([
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
const JOB_KINDS = [
  "TrainingJob",
  "TransformJob",
  "ProcessingJob",
  "HyperParameterTuningJob",
  "AutoMLJob",
  "CompilationJob",
  "LabelingJob",
] as const;

/** Groups a created model package belongs to are named, not the package, so the group stands in as "name". */
function jobKeys(kind: string): { name: string; arn: string } {
  return kind === "ModelPackage"
    ? { name: "ModelPackageGroupName", arn: "ModelPackageArn" }
    : { name: `${kind}Name`, arn: `${kind}Arn` };
}

const KIND_FROM_RESOURCE =
  /create(TrainingJob|TransformJob|ProcessingJob|HyperParameterTuningJob|AutoMLJob|CompilationJob|LabelingJob|ModelPackage)/i;

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
  let redriven = false;

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

    const enteredType = lookup(ENTERED_TYPES, type);
    if (enteredType) {
      const details = event.stateEnteredEventDetails;
      if (!details || typeof details.name !== "string" || details.name === "") {
        warn(event, "no stateEnteredEventDetails.name; skipped");
        continue;
      }
      let frame = prev.frame;
      const prevStep = prev.step;
      if (prevStep?.out.stateType === "Parallel" && !prevStep.closed) {
        // An open Parallel's own scope cannot move on before it exits, so a state entered from it (normally
        // right after ParallelStateStarted) is the first state of one of its branches.
        if (typeof prevId === "number" && typeById.get(prevId) !== "ParallelStateStarted") {
          warn(event, "branch start does not follow ParallelStateStarted; treated as a new branch");
        }
        frame = openBranch(prevStep, details.name, event, warn);
      } else if (prevStep && !prevStep.closed && prevStep.frame === frame && prevStep.out.stateType !== "Map") {
        // The previous state of this thread never reported its exit; entering the next state is its end.
        const s = prevStep;
        close(s, s.out.status === "FAILED" || s.out.status === "TIMED_OUT" ? "CAUGHT" : "SUCCEEDED", event, time);
      }
      const base = `${frame.prefix}${details.name}`;
      const seen = (keyCounts.get(base) ?? 0) + 1;
      keyCounts.set(base, seen);
      const definition = asRecord(frame.states?.[details.name]);
      const step: StepState = {
        out: {
          key: seen === 1 ? base : `${base}#${seen}`,
          parentKey: frame.container?.out.key ?? null,
          stateName: details.name,
          stateType: enteredType,
          status: "RUNNING",
          enteredAt: new Date(time.getTime()),
          exitedAt: null,
          enteredEventId: id,
          exitedEventId: null,
          attempts: 1,
          mapIterationIndex: frame.mapIterationIndex,
          parallelBranchIndex: frame.parallelBranchIndex,
          depth: frame.depth,
          resource: null,
          resourceType: null,
          input: details.input ?? null,
          output: null,
          error: null,
          cause: null,
          jobName: null,
          jobArn: null,
        },
        frame,
        closed: false,
        abortPending: false,
        starts: 0,
        childFrames: [],
        iterations: new Map(),
        branchesOpened: 0,
        definition,
      };
      steps.push(step);
      frame.steps.push(step);
      open.add(step);
      if (enteredType === "Fail") {
        // A Fail state has no exit event: it fails the moment it is entered. Its Error/Cause are static in
        // the ASL when given; ExecutionFailed (if uncaught at the top) overwrites them with what AWS reports.
        step.out.error = stringOrNull(definition?.Error);
        step.out.cause = stringOrNull(definition?.Cause);
        close(step, "FAILED", event, time);
      }
      contexts.set(id, { frame, step });
      continue;
    }

    const exitedType = lookup(EXITED_TYPES, type);
    if (exitedType) {
      const details = event.stateExitedEventDetails;
      const name = details?.name;
      if (!details || typeof name !== "string") {
        warn(event, "no stateExitedEventDetails.name; skipped");
        continue;
      }
      const step =
        findStep(prev, (s) => s.out.stateType === exitedType && s.out.stateName === name && !s.closed) ??
        findOpenByName(open, exitedType, name);
      if (!step) {
        warn(event, `no open ${exitedType} state "${name}" to exit; skipped`);
        continue;
      }
      step.out.output = details.output ?? null;
      step.out.exitedAt = null; // the exit replaces any provisional end (failure, abort) recorded earlier
      const failed = step.out.status === "FAILED" || step.out.status === "TIMED_OUT";
      close(step, failed ? "CAUGHT" : "SUCCEEDED", event, time);
      contexts.set(id, { frame: step.frame, step });
      continue;
    }

    if (type === "TaskScheduled" || type === "LambdaFunctionScheduled" || type === "ActivityScheduled") {
      const step = findStep(prev, (s) => s.out.stateType === "Task" && !s.closed);
      if (!step) {
        warn(event, "no open Task state to schedule; skipped");
        continue;
      }
      const scheduled = scheduledDetails(event);
      if (!scheduled) {
        warn(event, "missing scheduled-event details; attempt counted without resource");
      }
      step.starts++;
      if (step.starts > 1) step.out.attempts++;
      reopen(step);
      if (scheduled) {
        step.out.resource = scheduled.resource;
        step.out.resourceType = scheduled.resourceType;
        // Each attempt may start a new job (names are usually unique per attempt): report the latest one.
        const job = jobFromJson(scheduled.parameters, jobKindFromResource(scheduled.resource));
        step.out.jobName = job.name;
        step.out.jobArn = job.arn;
      }
      contexts.set(id, { frame: step.frame, step });
      continue;
    }

    if (TASK_PROGRESS_TYPES.has(type)) {
      const step = findStep(prev, (s) => s.out.stateType === "Task" && !s.closed);
      if (!step) {
        warn(event, "no open Task state; skipped");
        continue;
      }
      const output =
        event.taskSubmittedEventDetails?.output ??
        event.taskSucceededEventDetails?.output ??
        event.lambdaFunctionSucceededEventDetails?.output;
      if (output !== undefined) {
        const job = jobFromJson(output, jobKindFromResource(step.out.resource));
        if (job.name && !step.out.jobName) step.out.jobName = job.name;
        if (job.arn) step.out.jobArn = job.arn;
      }
      contexts.set(id, { frame: step.frame, step });
      continue;
    }

    const failureStatus = lookup(TASK_FAILURE_TYPES, type);
    if (failureStatus) {
      const step = findStep(prev, (s) => s.out.stateType === "Task" && !s.closed);
      if (!step) {
        warn(event, "no open Task state to fail; skipped");
        continue;
      }
      const failure = failureDetails(event);
      // A failure before anything was scheduled (ActivityScheduleFailed, LambdaFunctionScheduleFailed) is
      // an attempt of its own: the schedule that follows is the retry.
      if (step.starts === 0) step.starts = 1;
      markFailed(step, failureStatus, failure.error, failure.cause, event, time);
      contexts.set(id, { frame: step.frame, step });
      continue;
    }

    if (!KNOWN_OTHER_TYPES.has(type)) {
      warn(event, type === "" ? "no event type; skipped" : "unknown event type; skipped");
      continue;
    }
    if (type.startsWith("Execution")) {
      // Execution events are not part of any thread. AWS (and the emulator) point ExecutionAborted at the last
      // event overall, possibly deep in an iteration; a redrive then resumes at the top level, not in there.
      contexts.set(id, root);
    }

    switch (type) {
      case "ExecutionStarted":
        break;

      case "ExecutionRedriven":
        // Every state open at the end of the last attempt was closed by its terminal event; states AWS
        // re-runs arrive as new *StateEntered events and get fresh keys (`#2`) through keyCounts.
        redriven = true;
        break;

      case "ExecutionSucceeded":
        // Nothing should still be open here; if something is, say what it most likely was rather than RUNNING.
        for (const step of [...open]) {
          const failed = step.out.status === "FAILED" || step.out.status === "TIMED_OUT";
          close(step, step.abortPending ? "ABORTED" : failed ? "CAUGHT" : "SUCCEEDED", event, time);
        }
        break;

      case "ExecutionAborted":
        for (const step of [...open]) close(step, "ABORTED", event, time);
        break;

      case "ExecutionTimedOut":
        for (const step of [...open]) close(step, "TIMED_OUT", event, time);
        break;

      case "ExecutionFailed": {
        const details = event.executionFailedEventDetails;
        const reported = details?.error !== undefined || details?.cause !== undefined;
        // The thread that failed the execution is the one this event points at: that state and the
        // Map/Parallel states around it failed; anything else still running was cut short.
        const origin = prev.step;
        for (let s: StepState | null = origin; s; s = s.frame.container) {
          // A state's own failure event explains it best; the execution's error fills in where there was none
          // (Choice without a match, Map/Parallel) and is the real one for a Fail state (ErrorPath/CausePath).
          const authoritative = s === origin && s.out.stateType === "Fail";
          if (reported && (authoritative || s.out.error === null) && (!s.closed || s.out.status === "FAILED")) {
            s.out.error = details?.error ?? null;
            s.out.cause = details?.cause ?? null;
          }
          if (!s.closed) close(s, s.out.status === "TIMED_OUT" ? "TIMED_OUT" : "FAILED", event, time);
        }
        for (const step of [...open]) {
          const failed = step.out.status === "FAILED" || step.out.status === "TIMED_OUT";
          close(step, failed && !step.abortPending ? step.out.status : "CANCELLED", event, time);
        }
        break;
      }

      case "EvaluationFailed": {
        const name = event.evaluationFailedEventDetails?.state;
        const step = findStep(prev, (s) => !s.closed && (name === undefined || s.out.stateName === name));
        if (!step) {
          warn(event, "no open state for the evaluation failure; skipped");
          break;
        }
        const d = event.evaluationFailedEventDetails;
        markFailed(step, "FAILED", d?.error, d?.cause, event, time);
        contexts.set(id, { frame: step.frame, step });
        break;
      }

      case "TaskStateAborted":
      case "WaitStateAborted": {
        const stateType = type === "TaskStateAborted" ? "Task" : "Wait";
        const step = findStep(prev, (s) => s.out.stateType === stateType && !s.closed);
        if (!step) {
          warn(event, `no open ${stateType} state to abort; skipped`);
          break;
        }
        markAbortPending(step, time, event);
        contexts.set(id, { frame: step.frame, step });
        break;
      }

      case "MapStateStarted":
      case "ParallelStateStarted":
      case "MapStateSucceeded":
      case "ParallelStateSucceeded":
      case "MapRunStarted":
      case "MapRunSucceeded":
      case "MapRunRedriven":
      case "MapStateFailed":
      case "ParallelStateFailed":
      case "MapRunFailed":
      case "MapStateAborted":
      case "ParallelStateAborted":
      case "MapRunAborted": {
        const stateType = type.startsWith("Parallel") ? "Parallel" : "Map";
        // A redriven Map Run continues the Map state AWS left unexited, so after a redrive a closed one counts.
        // MapRunRedriven follows ExecutionRedriven (the top level), so it is found by its Map Run ARN: the
        // Map state whose MapRunStarted named that run.
        const redrivenRun = type === "MapRunRedriven" ? event.mapRunRedrivenEventDetails?.mapRunArn : undefined;
        const step =
          findStep(prev, (s) => s.out.stateType === stateType && !s.closed) ??
          (redriven ? findStep(prev, (s) => s.out.stateType === stateType) : null) ??
          (redrivenRun ? (steps.findLast((s) => s.out.resource === redrivenRun) ?? null) : null);
        if (!step) {
          warn(event, `no open ${stateType} state; skipped`);
          break;
        }
        contexts.set(id, { frame: step.frame, step });
        if (type === "MapStateStarted" || type === "ParallelStateStarted" || type === "MapRunRedriven") {
          // A Retry on a Map/Parallel state starts it again within the same entry.
          step.starts++;
          if (step.starts > 1) step.out.attempts++;
          step.branchesOpened = 0;
          step.closed = false;
          open.add(step);
          reopen(step);
        } else if (type === "MapRunStarted") {
          // Distributed Map: iterations are child executions, not in this history; the Map Run is its resource.
          step.out.resource = event.mapRunStartedEventDetails?.mapRunArn ?? step.out.resource;
          step.out.resourceType = "mapRun";
        } else if (type === "MapStateFailed" || type === "ParallelStateFailed" || type === "MapRunFailed") {
          const origin = prev.step;
          settleFrames(step.childFrames, (s) => settledStatus(s, origin), event, time);
          // The state's own failure event has no error details; the child failure that caused it does. That is
          // usually the event this one points at, but a thread joining several (the emulator points at the
          // latest event of any branch) may point at a sibling, so fall back to the latest failed child.
          const d = event.mapRunFailedEventDetails;
          const child = origin && origin !== step && origin.out.error !== null ? origin : latestFailedChild(step);
          markFailed(
            step,
            "FAILED",
            d?.error ?? child?.out.error ?? undefined,
            d?.cause ?? child?.out.cause ?? undefined,
            event,
            time,
          );
        } else if (type === "MapStateAborted" || type === "ParallelStateAborted" || type === "MapRunAborted") {
          markAbortPending(step, time, event);
        }
        break;
      }

      case "MapIterationStarted": {
        const details = event.mapIterationStartedEventDetails;
        const index = details?.index;
        if (typeof index !== "number") {
          warn(event, "no mapIterationStartedEventDetails.index; skipped");
          break;
        }
        const name = details?.name;
        const isMap = (s: StepState) => s.out.stateType === "Map" && (name === undefined || s.out.stateName === name);
        const map = findStep(prev, (s) => isMap(s) && !s.closed) ?? (redriven ? findStep(prev, isMap) : null);
        if (!map) {
          warn(event, `no open Map state${name ? ` "${name}"` : ""} for iteration ${index}; skipped`);
          break;
        }
        if (map.closed) {
          // Redrive re-runs only the failed iterations of an inline Map, inside the Map state it left open.
          map.closed = false;
          open.add(map);
          reopen(map);
        }
        const processor = asRecord(map.definition?.ItemProcessor) ?? asRecord(map.definition?.Iterator);
        const frame: Frame = {
          prefix: `${map.out.key}[${index}]/`,
          container: map,
          mapIterationIndex: index,
          parallelBranchIndex: null,
          depth: map.out.depth + 1,
          states: aslStates(processor),
          steps: [],
        };
        map.childFrames.push(frame);
        map.iterations.set(index, frame);
        contexts.set(id, { frame, step: null });
        break;
      }

      case "MapIterationSucceeded":
      case "MapIterationFailed":
      case "MapIterationAborted": {
        const details =
          event.mapIterationSucceededEventDetails ??
          event.mapIterationFailedEventDetails ??
          event.mapIterationAbortedEventDetails;
        const index = details?.index;
        const name = details?.name;
        const map =
          typeof index === "number"
            ? findStep(
                prev,
                (s) =>
                  s.out.stateType === "Map" &&
                  s.iterations.has(index) &&
                  (name === undefined || s.out.stateName === name),
              )
            : null;
        const frame = map && typeof index === "number" ? map.iterations.get(index) : undefined;
        if (!frame) {
          warn(event, `no started iteration ${String(index)} of Map "${String(name)}"; skipped`);
          break;
        }
        contexts.set(id, { frame, step: null });
        if (type === "MapIterationFailed") {
          const origin = prev.step;
          settleFrames([frame], (s) => settledStatus(s, origin), event, time);
        } else if (type === "MapIterationAborted") {
          for (const step of frame.steps) markAbortPending(step, time, event);
        }
        break;
      }
    }
  }

  // A history that ends mid-abort (the execution's own ExecutionAborted not synced yet) can only be an abort:
  // a sibling failure would have been settled by the failing Map/Parallel state's event.
  for (const step of open) {
    if (step.abortPending) {
      step.out.status = "ABORTED";
      step.closed = true;
    }
  }
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

// ───────────────────────────── helpers ─────────────────────────────

/** Valid events sorted by id, first occurrence of each id kept (pages can overlap when a sync is retried). */
function uniqueSortedEvents(
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
function findStep(context: Context, match: (step: StepState) => boolean): StepState | null {
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
function findOpenByName(open: Set<StepState>, stateType: StateType, name: string): StepState | null {
  let found: StepState | null = null;
  for (const step of open) if (step.out.stateType === stateType && step.out.stateName === name) found = step;
  return found;
}

function openBranch(
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
function reopen(step: StepState): void {
  step.out.status = "RUNNING";
  step.out.exitedAt = null;
  step.out.exitedEventId = null;
  step.abortPending = false;
}

function markFailed(
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

function latestFailedChild(container: StepState): StepState | null {
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
function settledStatus(step: StepState, origin: StepState | null): StepStatus {
  if (step.abortPending) return "CANCELLED";
  if (step.out.status === "FAILED" || step.out.status === "TIMED_OUT") return step.out.status;
  return step === origin ? "FAILED" : "CANCELLED";
}

function failureDetails(event: HistoryEvent): { error?: string; cause?: string } {
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

function scheduledDetails(
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

function jobKindFromResource(resource: string | null | undefined): string | null {
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
function jobFromJson(json: string | undefined, kind: string | null): { name: string | null; arn: string | null } {
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
function jobFromTruncatedJson(json: string, kind: string | null): { name: string | null; arn: string | null } {
  for (const k of kind ? [kind] : [...JOB_KINDS, "ModelPackage"]) {
    const keys = jobKeys(k);
    const name = new RegExp(`"${keys.name}"\\s*:\\s*"([^"]+)"`).exec(json)?.[1] ?? null;
    const arn = new RegExp(`"${keys.arn}"\\s*:\\s*"([^"]+)"`).exec(json)?.[1] ?? null;
    if (name || arn) return { name, arn };
  }
  return { name: null, arn: null };
}

/** Timestamps are Dates from the SDK, but strings or epoch numbers once a stored event went through JSON. */
function toDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === "string" || typeof value === "number") {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

/** Own keys only: an event type like "constructor" must not find Object.prototype members. */
function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function aslStates(scope: unknown): AslStates | null {
  return asRecord(asRecord(scope)?.States);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
