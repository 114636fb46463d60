/**
 * What every sync module receives: the source being synced, its AWS SDK clients
 * (real clients; pointed at the emulator only by endpoint), a logger, the change
 * sink that becomes batched NOTIFYs for the live view, and the API-call counters
 * that /api/health and /api/metrics report.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type pg from "pg";
import type { AwsSource } from "@/lib/generated/prisma/client";
import type { SyncLogger } from "@/lib/log";

export type SyncClients = { sfn: SFNClient; sagemaker: SageMakerClient; cloudwatch: CloudWatchClient };

export type { LogContext, SyncLogger } from "@/lib/log";

import type { ChangeSink } from "@/lib/live/notify";

export type { Change, ChangeSink } from "@/lib/live/notify";

/** Per-source counters of AWS calls, throttles and errors (by "service:Operation"). */
export interface SyncCounters {
  call(operation: string): void;
  throttled(operation: string): void;
  failed(operation: string): void;
}

/** The lease a pass writes under: every write checks that the source's row still names this owner and epoch. */
export type SyncLease = { owner: string; epoch: number };

/** A stored backoff row (lib/sync/degrade.ts), cached per pass. */
export type BackoffRow = {
  operation: string;
  object: string;
  runId: number | null;
  reason: string;
  error: string | null;
  attempts: number;
  firstFailedAt: Date;
  nextAttemptAt: Date | null;
  gaveUpAt: Date | null;
  loggedAt: Date | null;
};

export type SyncContext = {
  source: AwsSource;
  clients: SyncClients;
  log: SyncLogger;
  changes: ChangeSink;
  counters: SyncCounters;
  /** Aborted when the process is stopping or the lease is lost. */
  signal?: AbortSignal;
  /** The pool to write through; defaults to the process pool of lib/db (a worker may bring its own). */
  db?: pg.Pool;
  /** Test seams; never set in production. */
  hooks?: SyncHooks;
  /**
   * The source lease this context writes under (the worker's passes). Every write transaction first checks
   * it (lib/sync/fence.ts) and a lost lease aborts the context. Absent: writes are not fenced (run actions
   * syncing one execution at once, tests of single functions).
   */
  lease?: SyncLease;
  /** Aborts the context's signal (a lost lease). */
  abort?: (reason: unknown) => void;
  /** The clock of backoff decisions; tests pass a fixed instant. Default: the wall clock. */
  now?: () => Date;
  /** Backoff rows of the source, loaded once per pass (lib/sync/degrade.ts). */
  backoff?: Map<string, BackoffRow>;
};

export interface SyncHooks {
  /**
   * Called before every committed database write of the sync (one per transaction / statement batch),
   * with a label; throwing from it simulates a crash at that point.
   */
  beforeWrite?(label: string): void;
  /** Awaited before a write transaction starts (before the lease check): lets a test take the lease over. */
  atWrite?(label: string): Promise<void> | void;
}
