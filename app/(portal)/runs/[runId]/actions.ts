"use server";
/**
 * The run page's buttons. withAction checks the session, validates, maps AppErrors to
 * `{ ok: false, error }` and writes the audit row; the lib functions check team membership.
 */
import type { z } from "zod";
import { type ActionResult, withAction } from "@/lib/auth/action";
import { redriveRun } from "@/lib/runs/redrive-run";
import { RunActionBody, RunActionInput, type RunActionResult } from "@/lib/runs/schema";
import { rerunRun } from "@/lib/runs/start-run";
import { stopRun } from "@/lib/runs/stop-run";

const StopInput = RunActionInput.extend(RunActionBody.shape);
type Input = z.input<typeof StopInput>;

const stop = withAction({ schema: StopInput, action: "run.stop" }, async ({ input, principal, auditTarget }) => {
  auditTarget({ type: "run", id: input.publicId, details: input.reason ? { reason: input.reason } : {} });
  return stopRun({ principal, publicId: input.publicId, reason: input.reason });
});

const redrive = withAction(
  { schema: RunActionInput, action: "run.redrive" },
  async ({ input, principal, auditTarget }) => {
    auditTarget({ type: "run", id: input.publicId });
    return redriveRun({ principal, publicId: input.publicId });
  },
);

const rerun = withAction({ schema: RunActionInput, action: "run.rerun" }, async ({ input, principal, auditTarget }) => {
  auditTarget({ type: "run", id: input.publicId });
  const result = await rerunRun({ principal, publicId: input.publicId });
  auditTarget({ type: "run", id: input.publicId, details: { newExecutionArn: result.executionArn } });
  return result;
});

export async function stopRunAction(input: Input): Promise<ActionResult<RunActionResult>> {
  return stop(input);
}

export async function redriveRunAction(input: Input): Promise<ActionResult<RunActionResult>> {
  return redrive({ publicId: input.publicId });
}

export async function rerunRunAction(input: Input): Promise<ActionResult<RunActionResult>> {
  return rerun({ publicId: input.publicId });
}
