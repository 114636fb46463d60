/**
 * The Step Functions calls behind the run actions: a client for the run's AWS
 * source (the sync's clients, with their throttling buckets and retries), AWS
 * errors turned into AppErrors a user can read, and an immediate sync of the
 * execution afterwards so the page shows the result without waiting for the
 * next polling pass (the sync worker would pick it up anyway).
 */
import "server-only";
import type { SFNClient } from "@aws-sdk/client-sfn";
import { prisma } from "@/lib/db";
import { AppError, conflict, notFound } from "@/lib/errors";
import { logger } from "@/lib/log";
import { createClients, destroyClients } from "@/lib/sync/clients";
import { createCounters } from "@/lib/sync/counters";
import { createSyncContext } from "@/lib/sync/pass";
import { syncExecution } from "@/lib/sync/runs";

export async function withStepFunctions<T>(sourceId: number, work: (sfn: SFNClient) => Promise<T>): Promise<T> {
  const source = await prisma.awsSource.findUnique({ where: { id: sourceId } });
  if (!source) throw notFound("The AWS source of this pipeline is no longer configured.");
  const clients = createClients(source, createCounters());
  try {
    return await work(clients.sfn);
  } catch (error) {
    throw toAppError(error);
  } finally {
    destroyClients(clients);
  }
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
  return error;
}

/**
 * Syncs one execution now (history, steps, jobs) and publishes the change on the live stream. Never throws:
 * the action already happened in AWS, and the sync worker will catch up if this fails.
 */
export async function syncExecutionNow({
  sourceId,
  pipelineId,
  executionArn,
}: {
  sourceId: number;
  pipelineId: number;
  executionArn: string;
}): Promise<void> {
  try {
    const [source, pipeline] = await Promise.all([
      prisma.awsSource.findUnique({ where: { id: sourceId } }),
      prisma.pipeline.findUnique({
        where: { id: pipelineId },
        select: { id: true, stateMachineArn: true, name: true, revisionId: true },
      }),
    ]);
    if (!source || !pipeline) return;
    const { ctx, close } = createSyncContext(source);
    try {
      await syncExecution(ctx, pipeline, executionArn, { force: true });
      await ctx.changes.flush();
    } finally {
      close();
    }
  } catch (error) {
    logger.warn({ err: error, executionArn }, "immediate sync of a run failed; the sync worker will catch up");
  }
}
