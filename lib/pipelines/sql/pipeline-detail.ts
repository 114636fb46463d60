/**
 * Everything the pipeline page shows above its runs table, in ONE statement: the pipeline, its team,
 * definition and revision count, its latest run, a count of its runs bounded at RUN_COUNT_BOUND (an
 * index-only scan, never an exact COUNT over 100k runs), and the names of its run-level metrics.
 *
 * The metric names come from a skip scan (recursive CTE walking run_metric's (pipeline_id, name, …)
 * index one distinct name at a time): DISTINCT over millions of metric rows would read them all.
 */
export const RUN_COUNT_BOUND = 10_000;

export const PIPELINE_DETAIL_SQL = /* sql */ `
SELECT p.id, p.name, p.description, p.state_machine_arn, p.type, p.status::text AS status, p.tags, p.definition,
       coalesce(p.headline_metric, p.tags ->> 'stepwise:headline-metric') AS headline,
       coalesce(t.slug, p.tags ->> 'team') AS team_slug, coalesce(t.name, p.tags ->> 'team') AS team_name,
       s.region, s.account_id,
       (SELECT count(*)::int FROM pipeline_revision pr WHERE pr.pipeline_id = p.id) AS revisions,
       (SELECT count(*)::int FROM (SELECT 1 FROM run r WHERE r.pipeline_id = p.id LIMIT ${RUN_COUNT_BOUND + 1}) c)
         AS run_count,
       (SELECT json_build_object('publicId', r.public_id, 'name', r.name, 'status', r.status,
                                 'startedAt', to_char(r.started_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                 'stoppedAt', to_char(r.stopped_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
          FROM run r WHERE r.pipeline_id = p.id ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS latest_run,
       (WITH RECURSIVE names(name) AS (
          (SELECT rm.name FROM run_metric rm WHERE rm.pipeline_id = p.id ORDER BY rm.name LIMIT 1)
          UNION ALL
          SELECT (SELECT rm.name FROM run_metric rm WHERE rm.pipeline_id = p.id AND rm.name > n.name
                   ORDER BY rm.name LIMIT 1)
          FROM names n WHERE n.name IS NOT NULL
        )
        SELECT coalesce(array_agg(n.name ORDER BY n.name), '{}') FROM names n
        WHERE n.name IS NOT NULL
          AND EXISTS (SELECT 1 FROM run_metric rm WHERE rm.pipeline_id = p.id AND rm.name = n.name AND rm.scope = 'run'))
         AS metric_names,
       -- The feed's newest id in this statement's snapshot: the page's live stream starts after it
       -- (see getRunPage in lib/runs/queries.ts for why max(id) is safe).
       (SELECT max(id)::text FROM live_event) AS live_event_id
FROM pipeline p
LEFT JOIN team t ON t.id = p.team_id
JOIN aws_source s ON s.id = p.source_id
WHERE p.id = $1`;

export type PipelineDetailRow = {
  id: number;
  live_event_id: string | null;
  name: string;
  description: string | null;
  state_machine_arn: string;
  type: string;
  status: string;
  tags: unknown;
  definition: unknown;
  headline: string | null;
  team_slug: string | null;
  team_name: string | null;
  region: string;
  account_id: string;
  revisions: number;
  run_count: number;
  latest_run: {
    publicId: string;
    name: string;
    status: string;
    startedAt: string;
    stoppedAt: string | null;
  } | null;
  metric_names: string[];
};
