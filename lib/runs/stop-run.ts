import "server-only";
import { StopExecutionCommand } from "@aws-sdk/client-sfn";
import type { Principal } from "@/lib/auth/principal";
import { notFound } from "@/lib/errors";
import { syncExecutionNow, withStepFunctions } from "./aws";
import { assertCanActOnRun } from "./permissions";
import { getRunForAction } from "./queries";
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
  const run = await getRunForAction({ id: publicId });
  if (!run) throw notFound("No such run.");
  assertCanActOnRun(principal, "stop", run);
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
  await syncExecutionNow({ sourceId: run.sourceId, pipelineId: run.pipelineId, executionArn: run.executionArn });
  return {
    action: "stop",
    publicId: run.publicId,
    executionArn: run.executionArn,
    newRunPublicId: null,
    message: "Stop requested. The run shows as aborted once Step Functions has stopped it.",
  };
}
