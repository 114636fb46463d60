import "server-only";
import { randomBytes } from "node:crypto";
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { Principal } from "@/lib/auth/principal";
import { publicIdFor } from "@/lib/sync";
import { actionDone, runForAction } from "./act";
import { withStepFunctions } from "./aws";
import type { RunActionResult } from "./schema";

/** Execution names: at most 80 characters of letters, digits, "-" and "_". */
export function rerunName(original: string, suffix = randomBytes(3).toString("hex")): string {
  const base = original.replace(/[^A-Za-z0-9_-]/g, "-").replace(/-rerun-[0-9a-f]{6}$/, "");
  return `${base.slice(0, 80 - 13)}-rerun-${suffix}`;
}

/** Starts a new execution of the run's state machine with the run's input (StartExecution). */
export async function rerunRun({
  principal,
  publicId,
}: {
  principal: Principal;
  publicId: string;
}): Promise<RunActionResult> {
  const run = await runForAction(principal, "rerun", publicId);
  const started = await withStepFunctions(run.sourceId, (sfn) =>
    sfn.send(
      new StartExecutionCommand({
        stateMachineArn: run.stateMachineArn,
        name: rerunName(run.name),
        input: run.input ?? "{}",
      }),
    ),
  );
  const executionArn = started.executionArn ?? "";
  return actionDone(run, "rerun", "New run started with the same input.", {
    executionArn,
    publicId: executionArn ? publicIdFor(executionArn) : null,
  });
}
