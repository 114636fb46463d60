import "server-only";
import { StopExecutionCommand } from "@aws-sdk/client-sfn";
import type { Principal } from "@/lib/auth/principal";
import { actionDone, runForAction } from "./act";
import { withStepFunctions } from "./aws";
import type { RunActionResult } from "./schema";

/** Stops a running execution (StopExecution), for members of the owning team. */
export async function stopRun({
  principal,
  publicId,
  reason,
}: {
  principal: Principal;
  publicId: string;
  reason?: string;
}): Promise<RunActionResult> {
  const run = await runForAction(principal, "stop", publicId);
  const who = principal.user.email ?? principal.user.id;
  await withStepFunctions(run.sourceId, (sfn) =>
    sfn.send(
      new StopExecutionCommand({
        executionArn: run.executionArn,
        error: "Stepwise.StoppedByUser",
        cause: (reason ? `Stopped by ${who} in Stepwise: ${reason}` : `Stopped by ${who} in Stepwise`).slice(0, 32_768),
      }),
    ),
  );
  return actionDone(run, "stop", "Stop requested. The run shows as aborted once Step Functions has stopped it.");
}
