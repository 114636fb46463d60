-- The Period (seconds) a job's stored series was read at (lib/sync/sagemaker/metric-series.ts): 1 is a point per
-- logged epoch, 60 / 300 / 3600 a bucket when the job was fetched after CloudWatch dropped its 1-second data.
ALTER TABLE "sagemaker_job" ADD COLUMN "series_period" INTEGER;

-- Every series stored so far was read with Period 1 (the only Period the sync asked before this column). Those
-- the previous migration set PENDING are read again and get the Period of that read.
UPDATE "sagemaker_job" j SET "series_period" = 1
 WHERE EXISTS (SELECT 1 FROM "metric_point" p WHERE p."job_id" = j."id");
