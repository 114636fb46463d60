import "server-only";
import { randomUUID } from "node:crypto";
import { RedriveExecutionCommand } from "@aws-sdk/client-sfn";
import type { Principal } from "@/lib/auth/principal";
import { actionDone, runForAction } from "./act";
import { withStepFunctions } from "./aws";
import type { RunActionResult } from "./schema";

/**
 * Redrives a failed execution (RedriveExecution): Step Functions restarts it from the failed states, keeping
 * what succeeded. The run keeps its page; the re-entered states appear as "#2" steps beside the failed ones.
 */
export async function redriveRun({
  principal,
  publicId,
}: {
  principal: Principal;
  publicId: string;
}): Promise<RunActionResult> {
  const run = await runForAction(principal, "redrive", publicId);
  // A fresh token per click: a double submit inside AWS's idempotency window must not redrive twice,
  // but a second deliberate redrive later must not be swallowed either.
  await withStepFunctions(run.sourceId, (sfn) =>
    sfn.send(new RedriveExecutionCommand({ executionArn: run.executionArn, clientToken: randomUUID() })),
  );
  return actionDone(run, "redrive", "Redrive started. The failed steps run again on this page.");
}
