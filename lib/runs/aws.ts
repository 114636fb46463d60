/**
 * The Step Functions calls behind the run actions: a client for the run's AWS
 * source (the sync's clients, with their throttling buckets and retries), AWS
 * errors turned into AppErrors a user can read, and an immediate sync of the
 * execution afterwards so the page shows the result without waiting for the
 * next polling pass (the sync worker would pick it up anyway).
 */
import "server-only";
import type { SFNClient } from "@aws-sdk/client-sfn";
import { AppError, conflict, forbidden, notFound } from "@/lib/errors";
import { withSourceStepFunctions } from "@/lib/sync";

export { syncExecutionNow } from "@/lib/sync";

export async function withStepFunctions<T>(sourceId: number, work: (sfn: SFNClient) => Promise<T>): Promise<T> {
  return withSourceStepFunctions(sourceId, async (sfn) => {
    try {
      return await work(sfn);
    } catch (error) {
      throw toAppError(error);
    }
  });
}
const CONFLICTS = new Set([
  "ExecutionNotRedrivable",
  "ExecutionAlreadyExists",
  "ExecutionLimitExceeded",
  "StateMachineDeleting",
  "InvalidExecutionInput",
  "ValidationException",
]);
const MISSING = new Set(["ExecutionDoesNotExist", "StateMachineDoesNotExist", "ResourceNotFound"]);

/** AWS's own message is the most useful thing to show ("Execution is not redrivable: …"). */
function toAppError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const name = (error as { name?: string })?.name ?? "";
  const message = (error as { message?: string })?.message ?? "";
  if (CONFLICTS.has(name)) return conflict(`Step Functions refused: ${message || name}`);
  if (MISSING.has(name)) return notFound(`Step Functions does not know this execution any more: ${message || name}`);
  if (name === "AccessDeniedException" || name === "AccessDenied") {
    // AWS names the IAM action in its message; the role's ARN stays out of what the page shows.
    const action = /perform:\s*([\w-]+:\w+)/.exec(message)?.[1] ?? "the Step Functions action";
    return forbidden(
      `Step Functions refused: Stepwise's AWS role lacks the ${action} permission (AccessDeniedException). ` +
        "Ask the account's administrators to allow it.",
    );
  }
  return error;
}
