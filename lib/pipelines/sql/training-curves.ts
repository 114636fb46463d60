/**
 * Training curves, in ONE statement: the per-epoch series (metric_point, by primary key) of the
 * training jobs of the pipeline's latest `runs` runs that trained something, for one metric (the
 * requested one if those jobs report it, else the headline metric, else the first they report), plus
 * the metric names those jobs have series for.
 *
 * $1 pipeline id, $2 runs, $3 requested metric | null, $4 headline metric | null.
 */
export const MAX_CURVES = 60;

export const TRAINING_CURVES_SQL = /* sql */ `
WITH runs AS (
  SELECT r.id, r.public_id, r.name, r.started_at
  FROM run r
  WHERE r.pipeline_id = $1
    AND EXISTS (SELECT 1 FROM sagemaker_job j WHERE j.run_id = r.id AND j.kind = 'TRAINING')
  ORDER BY r.started_at DESC, r.id DESC
  LIMIT $2
),
jobs AS (
  SELECT j.id AS job_id, j.name AS job, runs.*
  FROM runs JOIN sagemaker_job j ON j.run_id = runs.id AND j.kind = 'TRAINING'
  ORDER BY runs.started_at DESC, j.id
  LIMIT ${MAX_CURVES}
),
names AS (
  SELECT coalesce(array_agg(DISTINCT mp.name ORDER BY mp.name), '{}') AS names
  FROM metric_point mp WHERE mp.job_id IN (SELECT job_id FROM jobs)
),
chosen AS (
  SELECT names.names,
         coalesce(CASE WHEN $3::text = ANY(names.names) THEN $3::text END,
                  CASE WHEN $4::text = ANY(names.names) THEN $4::text END,
                  names.names[1]) AS metric
  FROM names
)
SELECT chosen.metric, chosen.names, jobs.public_id, jobs.name AS run_name, jobs.job,
       to_char(jobs.started_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at, pts.steps, pts.values
FROM chosen
LEFT JOIN jobs ON true
LEFT JOIN LATERAL (
  SELECT array_agg(mp.step ORDER BY mp.step) AS steps, array_agg(mp.value ORDER BY mp.step) AS values
  FROM metric_point mp WHERE mp.job_id = jobs.job_id AND mp.name = chosen.metric
) pts ON true
ORDER BY jobs.started_at DESC, jobs.job_id`;

export type TrainingCurvesRow = {
  metric: string | null;
  names: string[];
  public_id: string | null;
  run_name: string | null;
  job: string | null;
  started_at: string | null;
  steps: number[] | null;
  values: number[] | null;
};
