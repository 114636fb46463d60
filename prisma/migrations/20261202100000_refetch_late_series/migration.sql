-- GetMetricData answers Period 1 only for a window that started less than 3 hours ago, and no datapoints
-- otherwise (MetricStat, CloudWatch API reference). The sync asked Period 1 for every fetch until
-- lib/sync/sagemaker/metric-series.ts chose the Period by the window's age. Training jobs it stored as COMPLETE
-- with final metrics but no point (fetched late: a history import, a retry after backoff), or that ran longer
-- than 3 hours (their curve stops at hour 3), are fetched once more: PENDING and due now, taken by
-- syncPendingSeries 50 per pass. A job without final metrics has no metric definitions, so nothing to fetch.
UPDATE "sagemaker_job" j
   SET "series_state" = 'PENDING', "series_reason" = NULL, "series_attempts" = 0, "series_next_at" = NULL
 WHERE j."kind" = 'TRAINING'
   AND j."series_state" = 'COMPLETE'
   AND ((NOT EXISTS (SELECT 1 FROM "metric_point" p WHERE p."job_id" = j."id")
         AND EXISTS (SELECT 1 FROM "run_metric" m WHERE m."job_id" = j."id"))
        OR j."ended_at" - COALESCE(j."started_at", j."job_created_at") > interval '3 hours');
