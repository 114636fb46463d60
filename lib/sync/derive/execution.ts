/**
 * deriveSteps (lib/sync/derive-steps.ts), by event family: Execution-level events: they close what is still
 * open, with the status the execution ended in.
 */
import { findStep, markFailed } from "./helpers";
import type { Derivation, EventContext, StepState } from "./model";

/** ExecutionStarted: nothing to derive. */
export function executionStarted(_dv: Derivation, _e: EventContext): void {}

/** ExecutionRedriven: from here on, closed Map states may be continued. */
export function executionRedriven(dv: Derivation, _e: EventContext): void {
  // Every state open at the end of the last attempt was closed by its terminal event; states AWS
  // re-runs arrive as new *StateEntered events and get fresh keys (`#2`) through keyCounts.
  dv.redriven = true;
}

/** ExecutionSucceeded: closes what is still open. */
export function executionSucceeded(dv: Derivation, e: EventContext): void {
  const { event, time } = e;
  // Nothing should still be open here; if something is, say what it most likely was rather than RUNNING.
  for (const step of [...dv.open]) {
    const failed = step.out.status === "FAILED" || step.out.status === "TIMED_OUT";
    dv.close(step, step.abortPending ? "ABORTED" : failed ? "CAUGHT" : "SUCCEEDED", event, time);
  }
}

/** ExecutionAborted: everything still open was aborted. */
export function executionAborted(dv: Derivation, e: EventContext): void {
  const { event, time } = e;
  for (const step of [...dv.open]) dv.close(step, "ABORTED", event, time);
}

/** ExecutionTimedOut: everything still open timed out. */
export function executionTimedOut(dv: Derivation, e: EventContext): void {
  const { event, time } = e;
  for (const step of [...dv.open]) dv.close(step, "TIMED_OUT", event, time);
}

/** ExecutionFailed: the failing thread FAILED up to the top, everything else still open CANCELLED. */
export function executionFailed(dv: Derivation, e: EventContext): void {
  const { event, prev, time } = e;
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
    if (!s.closed) dv.close(s, s.out.status === "TIMED_OUT" ? "TIMED_OUT" : "FAILED", event, time);
  }
  for (const step of [...dv.open]) {
    const failed = step.out.status === "FAILED" || step.out.status === "TIMED_OUT";
    dv.close(step, failed && !step.abortPending ? step.out.status : "CANCELLED", event, time);
  }
}

/** EvaluationFailed: a state whose JSONata / path evaluation failed. */
export function evaluationFailed(dv: Derivation, e: EventContext): void {
  const { event, id, prev, time } = e;
  const name = event.evaluationFailedEventDetails?.state;
  const step = findStep(prev, (s) => !s.closed && (name === undefined || s.out.stateName === name));
  if (!step) {
    dv.warn(event, "no open state for the evaluation failure; skipped");
    return;
  }
  const d = event.evaluationFailedEventDetails;
  markFailed(step, "FAILED", d?.error, d?.cause, event, time);
  dv.contexts.set(id, { frame: step.frame, step });
}
