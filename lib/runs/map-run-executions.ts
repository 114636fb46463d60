/**
 * A Map Run's child executions, read from Step Functions when the run page asks (ListExecutions by
 * mapRunArn, through the sync's client for the run's source): a Map Run may have thousands of children, so
 * they are paged by AWS's own nextToken and never stored.
 */
import "server-only";
import { ListExecutionsCommand } from "@aws-sdk/client-sfn";
import { badRequest, notFound } from "@/lib/errors";
import { withStepFunctions } from "./aws";
import { executionConsoleUrl } from "./links";
import { getMapRunOfRun } from "./queries";
import type { MapRunExecutionList } from "./schema";

export async function listMapRunExecutions(input: {
  id: string;
  mapRunArn?: string;
  status?: string;
  nextToken?: string;
  limit: number;
}): Promise<MapRunExecutionList | null> {
  const target = await getMapRunOfRun({ id: input.id, mapRunArn: input.mapRunArn });
  if (!target) return null;
  if (!target.found || !target.mapRunArn) {
    if (input.mapRunArn) throw notFound("This run has no such Map Run.");
    return { mapRunArn: null, executions: [], nextToken: null };
  }
  const mapRunArn = target.mapRunArn;
  const answer = await withStepFunctions(target.sourceId, async (sfn) => {
    try {
      return await sfn.send(
        new ListExecutionsCommand({
          mapRunArn,
          ...(input.status ? { statusFilter: input.status as "RUNNING" } : {}),
          maxResults: input.limit,
          ...(input.nextToken ? { nextToken: input.nextToken } : {}),
        }),
      );
    } catch (error) {
      // A stale or forged page token is the caller's mistake, not ours.
      if ((error as { name?: string })?.name === "InvalidToken") throw badRequest("The page token is not valid.");
      throw error;
    }
  });
  return {
    mapRunArn,
    executions: (answer.executions ?? []).flatMap((x) =>
      x.executionArn && x.startDate
        ? [
            {
              name: x.name ?? x.executionArn.split(":").at(-1) ?? x.executionArn,
              executionArn: x.executionArn,
              status: x.status ?? "UNKNOWN",
              startedAt: x.startDate.toISOString(),
              stoppedAt: x.stopDate ? x.stopDate.toISOString() : null,
              consoleUrl: executionConsoleUrl(target.region, x.executionArn),
            },
          ]
        : [],
    ),
    nextToken: answer.nextToken ?? null,
  };
}
