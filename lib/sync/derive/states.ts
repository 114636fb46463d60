/** deriveSteps (lib/sync/derive-steps.ts), by event family: *StateEntered and *StateExited: steps begin and end. */
import {
  asRecord,
  ENTERED_TYPES,
  EXITED_TYPES,
  findOpenByName,
  findStep,
  lookup,
  openBranch,
  stringOrNull,
} from "./helpers";
import type { Derivation, EventContext, StepState } from "./model";

/** *StateEntered: a new step in the frame of its thread (or the first state of a Parallel branch). */
export function enterState(dv: Derivation, e: EventContext): void {
  const { event, id, type, prevId, prev, time } = e;
  const enteredType = lookup(ENTERED_TYPES, type);
  if (!enteredType) return;
  const details = event.stateEnteredEventDetails;
  if (!details || typeof details.name !== "string" || details.name === "") {
    dv.warn(event, "no stateEnteredEventDetails.name; skipped");
    return;
  }
  let frame = prev.frame;
  const prevStep = prev.step;
  if (prevStep?.out.stateType === "Parallel" && !prevStep.closed) {
    // An open Parallel's own scope cannot move on before it exits, so a state entered from it (normally
    // right after ParallelStateStarted) is the first state of one of its branches.
    if (typeof prevId === "number" && dv.typeById.get(prevId) !== "ParallelStateStarted") {
      dv.warn(event, "branch start does not follow ParallelStateStarted; treated as a new branch");
    }
    frame = openBranch(prevStep, details.name, event, dv.warn);
  } else if (prevStep && !prevStep.closed && prevStep.frame === frame && prevStep.out.stateType !== "Map") {
    // The previous state of this thread never reported its exit; entering the next state is its end.
    const s = prevStep;
    dv.close(s, s.out.status === "FAILED" || s.out.status === "TIMED_OUT" ? "CAUGHT" : "SUCCEEDED", event, time);
  }
  const base = `${frame.prefix}${details.name}`;
  const seen = (dv.keyCounts.get(base) ?? 0) + 1;
  dv.keyCounts.set(base, seen);
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
      attemptLog: null,
    },
    frame,
    closed: false,
    abortPending: false,
    starts: 0,
    attemptList: [],
    childFrames: [],
    iterations: new Map(),
    branchesOpened: 0,
    definition,
  };
  dv.steps.push(step);
  frame.steps.push(step);
  dv.open.add(step);
  if (enteredType === "Fail") {
    // A Fail state has no exit event: it fails the moment it is entered. Its Error/Cause are static in
    // the ASL when given; ExecutionFailed (if uncaught at the top) overwrites them with what AWS reports.
    step.out.error = stringOrNull(definition?.Error);
    step.out.cause = stringOrNull(definition?.Cause);
    dv.close(step, "FAILED", event, time);
  }
  dv.contexts.set(id, { frame, step });
}

/** *StateExited: the step ends; after a failure, the exit means a Catch routed onward (CAUGHT). */
export function exitState(dv: Derivation, e: EventContext): void {
  const { event, id, type, prev, time } = e;
  const exitedType = lookup(EXITED_TYPES, type);
  if (!exitedType) return;
  const details = event.stateExitedEventDetails;
  const name = details?.name;
  if (!details || typeof name !== "string") {
    dv.warn(event, "no stateExitedEventDetails.name; skipped");
    return;
  }
  const step =
    findStep(prev, (s) => s.out.stateType === exitedType && s.out.stateName === name && !s.closed) ??
    findOpenByName(dv.open, exitedType, name);
  if (!step) {
    dv.warn(event, `no open ${exitedType} state "${name}" to exit; skipped`);
    return;
  }
  step.out.output = details.output ?? null;
  step.out.exitedAt = null; // the exit replaces any provisional end (failure, abort) recorded earlier
  const failed = step.out.status === "FAILED" || step.out.status === "TIMED_OUT";
  dv.close(step, failed ? "CAUGHT" : "SUCCEEDED", event, time);
  dv.contexts.set(id, { frame: step.frame, step });
}
