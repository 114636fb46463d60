/**
 * The runs being compared, in ONE statement: each run with its run-level metrics, its SageMaker jobs
 * (hyperparameters, input channels, instances, billable time) and its top-level steps' timings
 * grouped by state (retries summed into attempts), as JSON per run.
 *
 * $1 pipeline id, $2 public ids.
 */
export const COMPARE_RUNS_SQL = /* sql */ `
SELECT r.id, r.public_id, r.name, r.status::text AS status, r.revision_id, r.redrive_count,
       to_char(r.started_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
       to_char(r.stopped_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS stopped_at,
       (extract(epoch FROM r.stopped_at - r.started_at) * 1000)::float8 AS duration_ms,
       left(r.input, 20000) AS input,
       (SELECT coalesce(jsonb_object_agg(rm.name, rm.value), '{}') FROM run_metric rm
         WHERE rm.run_id = r.id AND rm.scope = 'run') AS metrics,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', j.name, 'kind', j.kind, 'status', j.status, 'hyperParameters', j.hyper_parameters,
                 'inputs', j.inputs, 'instanceType', j.instance_type, 'instanceCount', j.instance_count,
                 'billableSeconds', j.billable_seconds,
                 'durationMs', (extract(epoch FROM j.ended_at - j.started_at) * 1000)::float8) ORDER BY j.id), '[]')
          FROM sagemaker_job j WHERE j.run_id = r.id) AS jobs,
       (SELECT coalesce(json_agg(json_build_object(
                 'state', g.state_name, 'type', g.state_type, 'attempts', g.attempts, 'status', g.status,
                 'durationMs', g.duration_ms) ORDER BY g.first_event), '[]')
          FROM (
            SELECT s.state_name, min(s.state_type) AS state_type, count(*)::int AS attempts,
                   (array_agg(s.status::text ORDER BY s.entered_event_id DESC))[1] AS status,
                   (extract(epoch FROM max(s.exited_at) - min(s.entered_at)) * 1000)::float8 AS duration_ms,
                   min(s.entered_event_id) AS first_event
            FROM step s WHERE s.run_id = r.id AND s.parent_key IS NULL
            GROUP BY s.state_name
          ) g) AS steps
FROM run r
WHERE r.pipeline_id = $1 AND r.public_id = ANY($2::text[])`;

export type CompareJob = {
  name: string;
  kind: string;
  status: string;
  hyperParameters: Record<string, unknown>;
  inputs: unknown;
  instanceType: string | null;
  instanceCount: number | null;
  billableSeconds: number | null;
  durationMs: number | null;
};

export type CompareStep = { state: string; type: string; attempts: number; status: string; durationMs: number | null };

export type CompareRunRow = {
  id: number;
  public_id: string;
  name: string;
  status: string;
  revision_id: number | null;
  redrive_count: number;
  started_at: string;
  stopped_at: string | null;
  duration_ms: number | null;
  input: string | null;
  metrics: Record<string, number>;
  jobs: CompareJob[];
  steps: CompareStep[];
};
