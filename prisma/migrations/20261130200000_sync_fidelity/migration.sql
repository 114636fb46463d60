-- Sync fidelity (issue #15): degrade, never drop.

-- CreateEnum
CREATE TYPE "SeriesState" AS ENUM ('PENDING', 'COMPLETE', 'UNAVAILABLE');

-- AlterTable: fencing token of the source lease
ALTER TABLE "aws_source" ADD COLUMN "lease_epoch" INTEGER NOT NULL DEFAULT 0;

-- AlterTable: what the sync could not read about a pipeline
ALTER TABLE "pipeline" ADD COLUMN "sync_note" TEXT;

-- AlterTable: open runs waiting on calls under backoff
ALTER TABLE "run" ADD COLUMN "next_sync_at" TIMESTAMP(3);

-- AlterTable: the per-epoch series as an optional layer of a job
ALTER TABLE "sagemaker_job" ADD COLUMN "series_state" "SeriesState",
ADD COLUMN "series_reason" TEXT,
ADD COLUMN "series_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "series_next_at" TIMESTAMP(3);

-- Training jobs stored before this migration were only stored together with their series.
UPDATE "sagemaker_job" SET "series_state" = 'COMPLETE' WHERE "kind" = 'TRAINING';

-- AlterTable: the EventBridge queue
ALTER TABLE "ingested_event" ADD COLUMN "account" TEXT,
ADD COLUMN "region" TEXT,
ADD COLUMN "payload" JSONB,
ADD COLUMN "processed_at" TIMESTAMP(3),
ADD COLUMN "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "next_attempt_at" TIMESTAMP(3),
ADD COLUMN "outcome" TEXT;

-- Events recorded before were handled inline by the route.
UPDATE "ingested_event" SET "processed_at" = "received_at", "outcome" = 'synced';

-- CreateTable
CREATE TABLE "sync_backoff" (
    "source_id" INTEGER NOT NULL,
    "operation" TEXT NOT NULL,
    "object" TEXT NOT NULL,
    "run_id" INTEGER,
    "reason" TEXT NOT NULL,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "first_failed_at" TIMESTAMP(3) NOT NULL,
    "last_failed_at" TIMESTAMP(3) NOT NULL,
    "next_attempt_at" TIMESTAMP(3),
    "gave_up_at" TIMESTAMP(3),
    "logged_at" TIMESTAMP(3),

    CONSTRAINT "sync_backoff_pkey" PRIMARY KEY ("source_id","operation","object")
);

-- CreateTable
CREATE TABLE "sync_instance" (
    "id" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT '',
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sync_instance_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sagemaker_job_source_id_series_state_idx" ON "sagemaker_job"("source_id", "series_state");

-- CreateIndex
CREATE INDEX "sync_backoff_run_id_idx" ON "sync_backoff"("run_id");

-- CreateIndex
CREATE INDEX "sync_instance_heartbeat_at_idx" ON "sync_instance"("heartbeat_at");

-- CreateIndex
CREATE INDEX "ingested_event_account_region_processed_at_idx" ON "ingested_event"("account", "region", "processed_at");

-- AddForeignKey
ALTER TABLE "sync_backoff" ADD CONSTRAINT "sync_backoff_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "aws_source"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_backoff" ADD CONSTRAINT "sync_backoff_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
