/**
 * Who may act on a run. Reading is open to every signed-in user; stopping,
 * redriving and re-running need write rights for the pipeline's owning team
 * (lib/auth/permissions.ts: a MEMBER of the team, or an admin). Whether an
 * action makes sense for the run's current status is a separate question
 * (`runActionAvailability`), so the page can hide a button for either reason
 * while the server answers 403 for the first and 409 for the second.
 */
import { canWriteForTeam } from "@/lib/auth/permissions";
import type { AuthUser, Principal } from "@/lib/auth/principal";
import { conflict, forbidden } from "@/lib/errors";
import type { RunAction, RunStatus } from "./schema";

/** Step Functions keeps a failed Standard execution redrivable for 14 days after it stopped. */
export const REDRIVE_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;

type RunRef = { teamId: number | null };
type RunState = { status: RunStatus; stoppedAt: Date | string | null; pipelineType?: string };

export function canActOnRun(user: AuthUser | null | undefined, run: RunRef): boolean {
  return Boolean(user && canWriteForTeam(user, run.teamId));
}

/** Why an action is not possible for a run in this state, or null when it is. */
export function runActionUnavailable(action: RunAction, run: RunState, now = Date.now()): string | null {
  switch (action) {
    case "stop":
      return run.status === "RUNNING" ? null : "Only a running execution can be stopped.";
    case "redrive": {
      if (run.pipelineType && run.pipelineType !== "STANDARD") return "Only Standard workflows can be redriven.";
      if (!["FAILED", "TIMED_OUT", "ABORTED"].includes(run.status)) {
        return "Only a failed, timed-out or aborted execution can be redriven.";
      }
      const stopped = run.stoppedAt ? new Date(run.stoppedAt).getTime() : null;
      if (stopped !== null && now - stopped > REDRIVE_WINDOW_MS) {
        return "Step Functions redrives an execution only within 14 days of its end.";
      }
      return null;
    }
    case "rerun":
      return null;
  }
}

export function runActionAvailability(run: RunState, now = Date.now()): Record<RunAction, boolean> {
  return {
    stop: runActionUnavailable("stop", run, now) === null,
    redrive: runActionUnavailable("redrive", run, now) === null,
    rerun: true,
  };
}

/** Throws 403 for non-members (and read-only tokens), then 409 when the run's state does not allow it. */
export function assertCanActOnRun(principal: Principal, action: RunAction, run: RunRef & RunState): void {
  if (!principal.canWrite) throw forbidden("This API token is read-only.");
  if (!canWriteForTeam(principal.user, run.teamId)) {
    throw forbidden("Only members of the pipeline's owning team (or admins) can stop, redrive or re-run its runs.");
  }
  const reason = runActionUnavailable(action, run);
  if (reason) throw conflict(reason);
}
