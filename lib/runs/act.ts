import "server-only";
import type { Principal } from "@/lib/auth/principal";
import { notFound } from "@/lib/errors";
import { syncExecutionNow } from "./aws";
import { assertCanActOnRun } from "./permissions";
import { getRunForAction, type RunForAction } from "./queries";
import type { RunAction, RunActionResult } from "./schema";

/** The run a stop, redrive or re-run is asked for: 404 when unknown, then 403/409 (assertCanActOnRun). */
export async function runForAction(principal: Principal, action: RunAction, publicId: string): Promise<RunForAction> {
  const run = await getRunForAction({ id: publicId });
  if (!run) throw notFound("No such run.");
  assertCanActOnRun(principal, action, run);
  return run;
}

/**
 * After Step Functions accepted the action: the execution is synced at once, so the page that asked shows
 * its effect without waiting for the next pass, and the action's answer names it.
 */
export async function actionDone(
  run: RunForAction,
  action: RunAction,
  message: string,
  started?: { executionArn: string; publicId: string | null },
): Promise<RunActionResult> {
  const executionArn = started ? started.executionArn : run.executionArn;
  if (executionArn) await syncExecutionNow({ sourceId: run.sourceId, pipelineId: run.pipelineId, executionArn });
  return { action, publicId: run.publicId, executionArn, newRunPublicId: started?.publicId ?? null, message };
}
