-- Map Runs of distributed Map states (issue #19): a distributed Map's iterations are child executions that the
-- parent's history never shows, so the run page read "Not started" for work that ran. The sync stores each
-- Map Run's DescribeMapRun answer (item and child-execution counts, tolerated failure, redrives); the child
-- executions themselves are listed on demand (ListExecutions by mapRunArn), not stored.
CREATE TABLE "map_run" (
    "id" SERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "step_key" TEXT NOT NULL,
    "map_run_arn" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "stopped_at" TIMESTAMP(3),
    "max_concurrency" INTEGER NOT NULL DEFAULT 0,
    "tolerated_failure_percentage" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "tolerated_failure_count" INTEGER NOT NULL DEFAULT 0,
    "item_counts" JSONB NOT NULL DEFAULT '{}',
    "execution_counts" JSONB NOT NULL DEFAULT '{}',
    "redrive_count" INTEGER NOT NULL DEFAULT 0,
    "redrive_date" TIMESTAMP(3),
    "synced_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "map_run_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "map_run_map_run_arn_key" ON "map_run"("map_run_arn");
CREATE INDEX "map_run_run_id_idx" ON "map_run"("run_id");

ALTER TABLE "map_run" ADD CONSTRAINT "map_run_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
