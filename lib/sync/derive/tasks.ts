/**
 * deriveSteps (lib/sync/derive-steps.ts), by event family: Task attempts: schedules (retries), progress and the
 * job started, failures, aborts.
 */
import {
  failAttempt,
  failureDetails,
  findStep,
  jobFromJson,
  jobKindFromResource,
  lookup,
  markFailed,
  reopen,
  scheduledDetails,
  startAttempt,
  TASK_FAILURE_TYPES,
} from "./helpers";
import type { Derivation, EventContext } from "./model";

/** TaskScheduled, LambdaFunctionScheduled, ActivityScheduled: one attempt of a Task (the second on is a retry). */
export function scheduleTask(dv: Derivation, e: EventContext): void {
  const { event, id, prev } = e;
  const step = findStep(prev, (s) => s.out.stateType === "Task" && !s.closed);
  if (!step) {
    dv.warn(event, "no open Task state to schedule; skipped");
    return;
  }
  const scheduled = scheduledDetails(event);
  if (!scheduled) {
    dv.warn(event, "missing scheduled-event details; attempt counted without resource");
  }
  step.starts++;
  if (step.starts > 1) step.out.attempts++;
  // A failure before this schedule (a failed schedule) was an attempt of its own, already recorded.
  const last = step.attemptList.at(-1);
  if (!last || last.end !== null) startAttempt(step, e.time);
  reopen(step);
  if (scheduled) {
    step.out.resource = scheduled.resource;
    step.out.resourceType = scheduled.resourceType;
    // Each attempt may start a new job (names are usually unique per attempt): report the latest one.
    const job = jobFromJson(scheduled.parameters, jobKindFromResource(scheduled.resource));
    step.out.jobName = job.name;
    step.out.jobArn = job.arn;
  }
  dv.contexts.set(id, { frame: step.frame, step });
}

/** Task progress (started, submitted, succeeded): attribution and the job the Task started. */
export function taskProgress(dv: Derivation, e: EventContext): void {
  const { event, id, prev } = e;
  const step = findStep(prev, (s) => s.out.stateType === "Task" && !s.closed);
  if (!step) {
    dv.warn(event, "no open Task state; skipped");
    return;
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
  dv.contexts.set(id, { frame: step.frame, step });
}

/** A failure of one Task attempt: FAILED or TIMED_OUT until a retry, a catch or the end. */
export function taskFailure(dv: Derivation, e: EventContext): void {
  const { event, id, type, prev, time } = e;
  const failureStatus = lookup(TASK_FAILURE_TYPES, type);
  if (!failureStatus) return;
  const step = findStep(prev, (s) => s.out.stateType === "Task" && !s.closed);
  if (!step) {
    dv.warn(event, "no open Task state to fail; skipped");
    return;
  }
  const failure = failureDetails(event);
  // A failure before anything was scheduled (ActivityScheduleFailed, LambdaFunctionScheduleFailed) is
  // an attempt of its own: the schedule that follows is the retry.
  if (step.starts === 0) step.starts = 1;
  markFailed(step, failureStatus, failure.error, failure.cause, event, time);
  failAttempt(step, failureStatus, failure.error, failure.cause, time);
  dv.contexts.set(id, { frame: step.frame, step });
}

/** TaskStateAborted, WaitStateAborted: abort pending until what follows says ABORTED or CANCELLED. */
export function stateAborted(dv: Derivation, e: EventContext): void {
  const { event, id, type, prev, time } = e;
  const stateType = type === "TaskStateAborted" ? "Task" : "Wait";
  const step = findStep(prev, (s) => s.out.stateType === stateType && !s.closed);
  if (!step) {
    dv.warn(event, `no open ${stateType} state to abort; skipped`);
    return;
  }
  dv.markAbortPending(step, time, event);
  dv.contexts.set(id, { frame: step.frame, step });
}
