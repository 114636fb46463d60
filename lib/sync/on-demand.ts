/**
 * The sync's work that other domains ask for outside a polling pass: a Step Functions client for a
 * source (with the sync's throttling buckets and retries) and an immediate sync of one execution after
 * a run action, so the page shows the result without waiting for the next pass.
 */
import "server-only";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { prisma } from "@/lib/db";
import { notFound } from "@/lib/errors";
import { logger } from "@/lib/log";
import { createClients, credentialsFor, destroyClients } from "./clients";
import { createCounters } from "./counters";
import { createSyncContext } from "./pass";
import { syncExecution } from "./runs";

/** Runs `work` with a Step Functions client for the source; 404 when the source is gone. */
export async function withSourceStepFunctions<T>(sourceId: number, work: (sfn: SFNClient) => Promise<T>): Promise<T> {
  const source = await prisma.awsSource.findUnique({ where: { id: sourceId } });
  if (!source) throw notFound("The AWS source of this pipeline is no longer configured.");
  const clients = createClients(source, createCounters());
  try {
    return await work(clients.sfn);
  } finally {
    destroyClients(clients);
  }
}

export type SourceClientSettings = {
  region: string;
  endpoint: string | undefined;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Changes whenever the source's settings that the client or its credentials depend on change. */
  configKey: string;
};

// Per source: its settings and ONE credential provider, kept while the settings stay the same, so callers polling
// (the live tail of a job's logs, every 2–30 s per viewer) share the provider's cached AssumeRole (re-assumed
// five minutes before the credentials expire, lib/sync/clients.ts) instead of assuming the role on every request.
const settingsBySource = new Map<number, SourceClientSettings>();

/**
 * Region, endpoint and credentials of a source (its role assumed as the sync does), for an AWS client the
 * sync itself does not keep: CloudWatch Logs, read only when a user opens a job's logs (lib/runs/logs.ts).
 * The same object comes back until the source's region, endpoint, role or external id change.
 */
export async function sourceClientSettings(sourceId: number): Promise<SourceClientSettings> {
  const source = await prisma.awsSource.findUnique({ where: { id: sourceId } });
  if (!source) {
    settingsBySource.delete(sourceId);
    throw notFound("The AWS source of this pipeline is no longer configured.");
  }
  const configKey = JSON.stringify([source.key, source.region, source.endpoint, source.roleArn, source.externalId]);
  const kept = settingsBySource.get(sourceId);
  if (kept?.configKey === configKey) return kept;
  const settings: SourceClientSettings = {
    region: source.region,
    endpoint: source.endpoint ?? undefined,
    credentials: credentialsFor(source),
    configKey,
  };
  settingsBySource.set(sourceId, settings);
  return settings;
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
