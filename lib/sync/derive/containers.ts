/**
 * deriveSteps (lib/sync/derive-steps.ts), by event family: Map and Parallel states, Map Runs and Map
 * iterations: containers and the frames they open.
 */
import {
  aslStates,
  asRecord,
  failAttempt,
  findStep,
  latestFailedChild,
  markFailed,
  reopen,
  settledStatus,
  startAttempt,
} from "./helpers";
import type { Derivation, EventContext, Frame, StepState } from "./model";

/** Map / Parallel / Map Run events: (re)starts, the Map Run resource, failures and aborts of the container. */
export function containerEvent(dv: Derivation, e: EventContext): void {
  const { event, id, type, prev, time } = e;
  const stateType = type.startsWith("Parallel") ? "Parallel" : "Map";
  // A dv.redriven Map Run continues the Map state AWS left unexited, so after a redrive a closed one counts.
  // MapRunRedriven follows ExecutionRedriven (the top level), so it is found by its Map Run ARN: the
  // Map state whose MapRunStarted named that run.
  const redrivenRun = type === "MapRunRedriven" ? event.mapRunRedrivenEventDetails?.mapRunArn : undefined;
  const step =
    findStep(prev, (s) => s.out.stateType === stateType && !s.closed) ??
    (dv.redriven ? findStep(prev, (s) => s.out.stateType === stateType) : null) ??
    (redrivenRun ? (dv.steps.findLast((s) => s.out.resource === redrivenRun) ?? null) : null);
  if (!step) {
    dv.warn(event, `no open ${stateType} state; skipped`);
    return;
  }
  dv.contexts.set(id, { frame: step.frame, step });
  if (type === "MapStateStarted" || type === "ParallelStateStarted" || type === "MapRunRedriven") {
    // A Retry on a Map/Parallel state starts it again within the same entry.
    step.starts++;
    if (step.starts > 1) step.out.attempts++;
    step.branchesOpened = 0;
    startAttempt(step, time);
    step.closed = false;
    dv.open.add(step);
    reopen(step);
  } else if (type === "MapRunStarted") {
    // Distributed Map: iterations are child executions, not in this history; the Map Run is its resource.
    step.out.resource = event.mapRunStartedEventDetails?.mapRunArn ?? step.out.resource;
    step.out.resourceType = "mapRun";
  } else if (type === "MapStateFailed" || type === "ParallelStateFailed" || type === "MapRunFailed") {
    const origin = prev.step;
    dv.settleFrames(step.childFrames, (s) => settledStatus(s, origin), event, time);
    // The state's own failure event has no error details; the child failure that caused it does. That is
    // usually the event this one points at, but a thread joining several (the emulator points at the
    // latest event of any branch) may point at a sibling, so fall back to the latest failed child.
    const d = event.mapRunFailedEventDetails;
    const child = origin && origin !== step && origin.out.error !== null ? origin : latestFailedChild(step);
    const error = d?.error ?? child?.out.error ?? undefined;
    const cause = d?.cause ?? child?.out.cause ?? undefined;
    markFailed(step, "FAILED", error, cause, event, time);
    failAttempt(step, "FAILED", error, cause, time);
  } else if (type === "MapStateAborted" || type === "ParallelStateAborted" || type === "MapRunAborted") {
    dv.markAbortPending(step, time, event);
  }
}

/** MapIterationStarted: opens the frame of iteration `index`. */
export function mapIterationStarted(dv: Derivation, e: EventContext): void {
  const { event, id, prev } = e;
  const details = event.mapIterationStartedEventDetails;
  const index = details?.index;
  if (typeof index !== "number") {
    dv.warn(event, "no mapIterationStartedEventDetails.index; skipped");
    return;
  }
  const name = details?.name;
  const isMap = (s: StepState) => s.out.stateType === "Map" && (name === undefined || s.out.stateName === name);
  const map = findStep(prev, (s) => isMap(s) && !s.closed) ?? (dv.redriven ? findStep(prev, isMap) : null);
  if (!map) {
    dv.warn(event, `no open Map state${name ? ` "${name}"` : ""} for iteration ${index}; skipped`);
    return;
  }
  if (map.closed) {
    // Redrive re-runs only the failed iterations of an inline Map, inside the Map state it left open.
    map.closed = false;
    dv.open.add(map);
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
  dv.contexts.set(id, { frame, step: null });
}

/** MapIterationSucceeded / Failed / Aborted: settles the iteration's frame. */
export function mapIterationEnded(dv: Derivation, e: EventContext): void {
  const { event, id, type, prev, time } = e;
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
            s.out.stateType === "Map" && s.iterations.has(index) && (name === undefined || s.out.stateName === name),
        )
      : null;
  const frame = map && typeof index === "number" ? map.iterations.get(index) : undefined;
  if (!frame) {
    dv.warn(event, `no started iteration ${String(index)} of Map "${String(name)}"; skipped`);
    return;
  }
  dv.contexts.set(id, { frame, step: null });
  if (type === "MapIterationFailed") {
    const origin = prev.step;
    dv.settleFrames([frame], (s) => settledStatus(s, origin), event, time);
  } else if (type === "MapIterationAborted") {
    for (const step of frame.steps) dv.markAbortPending(step, time, event);
  }
}
