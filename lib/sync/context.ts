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

export type SyncClients = { sfn: SFNClient; sagemaker: SageMakerClient; cloudwatch: CloudWatchClient };

export type LogContext = Record<string, unknown>;
export type SyncLogger = {
  info(message: string, context?: LogContext): void;
  warn(message: string, context?: LogContext): void;
  error(message: string, context?: LogContext): void;
};

/**
 * A change the UI should see. Topics: "pipelines", "pipeline:<pipelineId>",
 * "run:<run publicId>", "model:<modelGroupId>". Only ids travel, never data.
 */
export type Change = {
  topic: string;
  kind: "pipeline" | "run" | "step" | "job" | "metric" | "model";
  id: string;
  version?: number;
};

export interface ChangeSink {
  add(change: Change): void;
  /** Writes the batch to the live_event feed and sends one NOTIFY per batch. */
  flush(): Promise<void>;
}

/** Per-source counters of AWS calls, throttles and errors (by "service:Operation"). */
export interface SyncCounters {
  call(operation: string): void;
  throttled(operation: string): void;
  failed(operation: string): void;
}

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
};

export interface SyncHooks {
  /**
   * Called before every committed database write of the sync (one per transaction / statement batch),
   * with a label; throwing from it simulates a crash at that point.
   */
  beforeWrite?(label: string): void;
}
