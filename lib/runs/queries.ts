/**
 * Reads of the run page and of /api/v1/runs/**. Each exported read is ONE SQL
 * statement (umami's queries/sql habit): the page needs the run, its pipeline,
 * team and source, the previous/next run, the ASL definition of the revision it
 * ran and every step with its SageMaker job status — through Prisma that is half
 * a dozen round trips, here it is one, with Postgres building the JSON.
 * Step lists leave out input/output (a step's payload may be 256 KiB; 2,000 of
 * them would be half a gigabyte): one step's payloads come with getStepDetail.
 * Timestamps are `timestamp(3)` holding UTC; ISO() formats them with a Z.
 */
import "server-only";
import { sql } from "@/lib/db";
import { formatBytes } from "@/lib/format";
import { jobCost } from "@/lib/models/pricing";
import { executionConsoleUrl, sagemakerJobConsoleUrl, sagemakerJobLogsUrl } from "./links";
import type {
  MapRunCounts,
  MapRunSummary,
  Run,
  RunLink,
  StepDetail,
  StepEvent,
  StepJob,
  StepList,
  StepStatus,
  StepSummary,
  SyncWarning,
} from "./schema";

const ISO = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A run is found by public id, or by execution ARN when the id looks like one. */
function runCondition(alias: string): string {
  return `(CASE WHEN left($1, 4) = 'arn:' THEN ${alias}.execution_arn = $1 ELSE ${alias}.public_id = $1 END)`;
}

const LINK = (alias: string) =>
  `json_build_object('publicId', ${alias}.public_id, 'name', ${alias}.name, 'status', ${alias}.status, 'startedAt', ${ISO(`${alias}.started_at`)})`;

/** The run as JSON; `$2` (boolean) says whether input/output are included. Needs aliases r, p, src, t. */
const RUN_JSON = `json_build_object(
  'publicId', r.public_id, 'executionArn', r.execution_arn, 'name', r.name, 'status', r.status,
  'startedAt', ${ISO("r.started_at")}, 'stoppedAt', ${ISO("r.stopped_at")},
  'input', CASE WHEN $2 THEN r.input END, 'output', CASE WHEN $2 THEN r.output END,
  'inputSize', coalesce(length(r.input), 0), 'inputHead', left(r.input, 4096),
  'error', r.error, 'cause', r.cause,
  'redriveCount', r.redrive_count, 'redriveDate', ${ISO("r.redrive_date")}, 'redriveStatus', r.redrive_status,
  'stepCount', r.step_count, 'version', r.version,
  'region', src.region, 'accountId', src.account_id,
  'pipeline', json_build_object('id', p.id, 'name', p.name, 'stateMachineArn', p.state_machine_arn,
    'team', CASE WHEN t.id IS NULL THEN NULL ELSE json_build_object('id', t.slug, 'slug', t.slug, 'name', t.name) END),
  'previous', (SELECT ${LINK("x")} FROM run x
     WHERE x.pipeline_id = r.pipeline_id AND (x.started_at, x.id) < (r.started_at, r.id)
     ORDER BY x.started_at DESC, x.id DESC LIMIT 1),
  'next', (SELECT ${LINK("x")} FROM run x
     WHERE x.pipeline_id = r.pipeline_id AND (x.started_at, x.id) > (r.started_at, r.id)
     ORDER BY x.started_at ASC, x.id ASC LIMIT 1),
  'statusCounts', (SELECT coalesce(json_object_agg(c.status, c.n), '{}'::json)
     FROM (SELECT status, count(*)::int AS n FROM step WHERE run_id = r.id GROUP BY status) c),
  'syncWarnings', (SELECT coalesce(json_agg(json_build_object('operation', b.operation, 'object', b.object,
        'reason', b.reason, 'attempts', b.attempts, 'error', left(b.error, 400),
        'gaveUpAt', ${ISO("b.gave_up_at")}) ORDER BY b.gave_up_at, b.operation, b.object), '[]'::json)
     FROM sync_backoff b WHERE b.run_id = r.id AND b.gave_up_at IS NOT NULL),
  'mapRuns', (SELECT coalesce(json_agg(json_build_object('stepKey', m.step_key, 'mapRunArn', m.map_run_arn,
        'status', m.status, 'startedAt', ${ISO("m.started_at")}, 'stoppedAt', ${ISO("m.stopped_at")},
        'maxConcurrency', m.max_concurrency, 'toleratedFailurePercentage', m.tolerated_failure_percentage,
        'toleratedFailureCount', m.tolerated_failure_count, 'itemCounts', m.item_counts,
        'executionCounts', m.execution_counts, 'redriveCount', m.redrive_count,
        'redriveDate', ${ISO("m.redrive_date")}) ORDER BY m.started_at, m.id), '[]'::json)
     FROM map_run m WHERE m.run_id = r.id),
  'jobCosts', (SELECT json_agg(json_build_array(j.instance_type, j.instance_count, j.billable_seconds,
        extract(epoch FROM j.ended_at - j.started_at)::int) ORDER BY j.id)
     FROM sagemaker_job j WHERE j.run_id = r.id)
)`;

const RUN_FROM = `FROM run r
  JOIN pipeline p ON p.id = r.pipeline_id
  JOIN aws_source src ON src.id = p.source_id
  LEFT JOIN team t ON t.id = p.team_id`;

/**
 * A SageMaker job's phases as [name, start, end] (ISO, end null while it lasts): a training job's
 * SecondaryStatusTransitions (Starting, Downloading, Training, Uploading, …); processing and transform jobs
 * have none in the API, so their phases are waiting for instances (created → started) and the work itself.
 */
const JOB_PHASES = `CASE WHEN j.step_id IS NULL THEN NULL
    WHEN jsonb_array_length(j.status_transitions) > 0 THEN (SELECT json_agg(json_build_array(t->>'Status',
      t->>'StartTime', t->>'EndTime')) FROM jsonb_array_elements(j.status_transitions) t
      WHERE jsonb_typeof(t) = 'object' AND t->>'StartTime' IS NOT NULL)
    WHEN j.started_at IS NOT NULL AND j.kind IN ('PROCESSING', 'TRANSFORM') THEN json_build_array(
      json_build_array('Starting', ${ISO("coalesce(j.job_created_at, j.started_at)")}, ${ISO("j.started_at")}),
      json_build_array(CASE j.kind WHEN 'PROCESSING' THEN 'Processing' ELSE 'Transforming' END,
                       ${ISO("j.started_at")}, ${ISO("j.ended_at")}))
  END`;

/**
 * The light step list (no payloads), in the order the steps were entered, as positional arrays: for 2,000
 * steps Postgres builds arrays of raw values about three times faster than keyed objects with formatted
 * times, and the response is smaller; toStepSummary() names the fields in JS.
 */
const STEPS_JSON = (extraWhere = "") => `(SELECT coalesce(json_agg(json_build_array(
    s.key, s.parent_key, s.state_name, s.state_type, s.status, s.entered_at, s.exited_at, s.attempts,
    s.map_iteration_index, s.parallel_branch_index, s.depth, s.resource_type, left(s.error, 200), s.job_name,
    j.kind, j.status,
    CASE WHEN s.attempt_log IS NOT NULL THEN (SELECT json_agg(json_build_array(a->>'startedAt', a->>'endedAt',
      a->>'status', left(a->>'error', 200))) FROM jsonb_array_elements(s.attempt_log) a) END,
    ${JOB_PHASES}
  ) ORDER BY s.entered_event_id, s.id), '[]'::json)
  FROM step s
  LEFT JOIN (SELECT DISTINCT ON (step_id) step_id, kind, status, status_transitions, job_created_at, started_at,
                    ended_at FROM sagemaker_job
             WHERE run_id = r.id AND step_id IS NOT NULL ORDER BY step_id, id DESC) j ON j.step_id = s.id
  WHERE s.run_id = r.id ${extraWhere})`;

type StepTuple = [
  string,
  string | null,
  string,
  string,
  StepStatus,
  string,
  string | null,
  number,
  number | null,
  number | null,
  number,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  [string, string | null, StepStatus, string | null][] | null,
  [string, string | null, string | null][] | null,
];

/** Postgres renders `timestamp` (UTC by convention here) without a zone; the API speaks ISO with a Z. */
const utc = (value: string): string => (value.endsWith("Z") ? value : `${value}Z`);

export function toStepSummary(t: StepTuple): StepSummary {
  return {
    key: t[0],
    parentKey: t[1],
    stateName: t[2],
    stateType: t[3],
    status: t[4],
    enteredAt: utc(t[5]),
    exitedAt: t[6] === null ? null : utc(t[6]),
    attempts: t[7],
    mapIterationIndex: t[8],
    parallelBranchIndex: t[9],
    depth: t[10],
    resourceType: t[11],
    error: t[12],
    jobName: t[13],
    jobKind: t[14],
    jobStatus: t[15],
    // Present only on the few steps that have them: 2,000 absent keys are 60 KB the page never sends.
    ...(t[16]
      ? { attemptLog: t[16].map(([startedAt, endedAt, status, error]) => ({ startedAt, endedAt, status, error })) }
      : {}),
    ...(t[17] ? { jobPhases: jobPhases(t[17]) } : {}),
  };
}

/** Transitions as the API gives them (seconds or ISO); each phase ends where the next begins when AWS left it open. */
export function jobPhases(rows: [string, string | null, string | null][]): StepSummary["jobPhases"] {
  const time = (v: string | null) => {
    if (v === null || v === "") return null;
    const n = Number(v);
    const d =
      Number.isFinite(n) && /^\d+(\.\d+)?$/.test(v)
        ? new Date(n * 1000)
        : new Date(v.endsWith("Z") || /[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  };
  const phases = rows.flatMap(([name, start, end]) => {
    const startedAt = time(start);
    return startedAt ? [{ name, startedAt, endedAt: time(end) }] : [];
  });
  phases.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  phases.forEach((p, i) => {
    const next = phases[i + 1];
    if (p.endedAt === null && next) p.endedAt = next.startedAt;
  });
  return phases.length ? phases : null;
}

type WarningRow = Omit<SyncWarning, "message"> & { error: string | null };
type RunRow = Omit<Run, "id" | "consoleUrl" | "inputSummary" | "syncWarnings" | "mapRuns" | "cost"> & {
  inputHead: string | null;
  jobCosts: [string | null, number | null, number | null, number | null][] | null;
  syncWarnings: WarningRow[];
  mapRuns: (Omit<MapRunSummary, "itemCounts" | "executionCounts"> & {
    itemCounts: unknown;
    executionCounts: unknown;
  })[];
};

const COUNT_KEYS = [
  "pending",
  "running",
  "succeeded",
  "failed",
  "timedOut",
  "aborted",
  "total",
  "resultsWritten",
  "failuresNotRedrivable",
  "pendingRedrive",
] as const;

/** DescribeMapRun's counts as stored; a count AWS left out (older API versions) is 0. */
function mapRunCounts(value: unknown): MapRunCounts {
  const source = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const counts = {} as MapRunCounts;
  for (const key of COUNT_KEYS) {
    const n = Number(source[key] ?? 0);
    counts[key] = Number.isFinite(n) ? Math.trunc(n) : 0;
  }
  return counts;
}

/** The run's jobs priced (lib/models/pricing.ts): summed here so the page gets four numbers, not every job. */
function runCost(jobs: readonly [string | null, number | null, number | null, number | null][]): Run["cost"] {
  if (jobs.length === 0) return null;
  let usd = 0;
  let spotSavingsUsd = 0;
  let pricedJobs = 0;
  for (const [instanceType, instanceCount, billableSeconds, ranSeconds] of jobs) {
    const cost = jobCost({ instanceType, instanceCount, billableSeconds, ranSeconds });
    if (!cost) continue;
    usd += cost.usd;
    spotSavingsUsd += cost.spotSavingsUsd;
    pricedJobs++;
  }
  return { usd, spotSavingsUsd, pricedJobs, jobs: jobs.length };
}

function toRun(row: RunRow): Run {
  const { inputHead, syncWarnings, mapRuns, jobCosts, ...rest } = row;
  return {
    id: rest.publicId,
    ...rest,
    cost: runCost(jobCosts ?? []),
    mapRuns: (mapRuns ?? []).map((m) => ({
      ...m,
      toleratedFailureCount: Number(m.toleratedFailureCount),
      itemCounts: mapRunCounts(m.itemCounts),
      executionCounts: mapRunCounts(m.executionCounts),
    })),
    inputSummary: summarizeInput(inputHead, row.inputSize),
    consoleUrl: executionConsoleUrl(row.region, row.executionArn),
    syncWarnings: syncWarnings.map(({ error, ...w }) => ({ ...w, message: warningMessage(w, error) })),
  };
}

/** IAM principals (assumed-role ARNs in AccessDenied messages) stay out of what the page shows. */
const redact = (text: string) => text.replace(/arn:aws[\w-]*:(iam|sts)::\d{12}:[^\s"',)]+/g, "arn:aws:$1::[redacted]");

/** What the sync stopped reading, in the words the run page shows. */
export function warningMessage(w: Omit<WarningRow, "error">, error: string | null): string {
  const execution = w.operation.startsWith("states:");
  const what = execution ? "this execution" : `${w.object}`;
  switch (w.reason) {
    case "not_found":
      return execution
        ? "Step Functions no longer has this execution (past its 90-day retention, or deleted): what was synced before is kept, and it is not asked about again."
        : `${w.object} no longer exists in AWS (${w.operation} answered not found); the run is shown without it.`;
    case "elsewhere":
      return `${w.object} runs in another account or region; this source's role cannot read it (${redact(error ?? "")}).`;
    case "denied":
      return `The sync's role lacks ${w.operation} for ${what}; it stopped asking after ${w.attempts} tries.`;
    case "unsupported":
    case "wrong_type":
      return `${w.operation} is not supported for ${what}.`;
    default:
      return `${w.operation} for ${what} kept failing; the sync stopped after ${w.attempts} tries${
        error ? ` (last error: ${redact(error).slice(0, 200)})` : ""
      }.`;
  }
}

/** "market=de, dataset=s3://…, epochs=24 (+3 more)" — enough to tell runs apart in a header. */
export function summarizeInput(head: string | null, size: number): string | null {
  if (!head || size === 0) return null;
  if (size > head.length) return `${formatBytes(size)} of JSON`;
  let value: unknown;
  try {
    value = JSON.parse(head);
  } catch {
    return `${formatBytes(size)} (not JSON)`;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return JSON.stringify(value).slice(0, 120);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  const shown = entries.slice(0, 4).map(([k, v]) => {
    const text =
      v !== null && typeof v === "object"
        ? Array.isArray(v)
          ? `[${v.length}]`
          : `{${Object.keys(v).length}}`
        : String(v);
    return `${k}=${text.length > 48 ? `${text.slice(0, 47)}…` : text}`;
  });
  return entries.length > 4 ? `${shown.join(", ")} (+${entries.length - 4} more)` : shown.join(", ");
}

/** Steps the page renders on the server: the first ones entered (the timeline's first screen). */
export const RUN_PAGE_STEPS = 100;
/** Failed steps always sent with the first screen (the overview lists them). */
const RUN_PAGE_PROBLEMS = 50;
/** Bumped when graph-layout.ts lays out differently, so cached layouts of the old shape are not used. */
export const LAYOUT_VERSION = "elk1";

/** What the graph needs of every step to colour its nodes (graph.ts nodeStates), as parallel arrays. */
export type StepStateColumns = [string[], StepStatus[], string[], number[], (number | null)[]];

export type RunPage = {
  run: Run;
  /** The ASL definition of the revision the run used (the pipeline's current one when unknown). */
  definition: unknown;
  /** Layout cache key of that definition (LAYOUT_VERSION + md5), and its cached layout when there is one. */
  layoutKey: string;
  layout: unknown;
  /**
   * The first screen's steps, in the order they were entered: the first RUN_PAGE_STEPS, every failed one (up
   * to 50) and the selected one. The client loads the whole list after the first paint.
   */
  steps: StepSummary[];
  stepTotal: number;
  /** Every step, reduced to what the graph's colours need. */
  stepStates: StepStateColumns;
  /**
   * The owning team's database id, for the page's permission check on the server only: the API names a team
   * by its slug (`run.pipeline.team.id`), never by this number.
   */
  teamId: number | null;
  /**
   * The highest live_event id this statement's snapshot saw (a decimal string; null when the feed is empty):
   * the page's data is as of it, so the page's live stream replays what came after it instead of refetching
   * (components/live/live-provider.tsx). Read in the same statement as the data, so no change falls between.
   * An id below it that was not yet committed is harmless: the change sink (lib/live/notify.ts) writes a
   * live_event row in its own transaction after the data it announces has committed, so this snapshot already
   * holds that data. A writer that put both in one transaction would break this.
   */
  liveEventId: string | null;
};

/**
 * Everything the run page renders on the server, in one statement whatever the step count: the run, its
 * definition with the cached layout, the first screen of steps and the graph's per-step columns (the full
 * step list, which at 2,000+ steps is most of the page's cost, comes from /steps after the first paint).
 * Null when no such run.
 */
export async function getRunPage({
  id,
  selectedKey = null,
  limit = RUN_PAGE_STEPS,
}: {
  id: string;
  selectedKey?: string | null;
  limit?: number;
}): Promise<RunPage | null> {
  const rows = await sql<{
    run: RunRow;
    definition: unknown;
    layout_key: string;
    layout: unknown;
    steps: StepTuple[];
    step_total: number;
    step_states: StepStateColumns | null;
    team_id: number | null;
    live_event_id: string | null;
  }>(
    `SELECT ${RUN_JSON} AS run, t.id AS team_id, d.definition, d.layout_key, gl.layout,
            (SELECT max(id)::text FROM live_event) AS live_event_id,
            ${STEPS_JSON(`AND s.id IN (
              SELECT f.id FROM (SELECT id FROM step WHERE run_id = r.id ORDER BY entered_event_id, id LIMIT $3) f
              UNION SELECT e.id FROM (SELECT id FROM step WHERE run_id = r.id AND status IN ('FAILED', 'TIMED_OUT')
                                       ORDER BY entered_event_id, id LIMIT ${RUN_PAGE_PROBLEMS}) e
              UNION SELECT id FROM step WHERE run_id = r.id AND key = $4)`)} AS steps,
            (SELECT count(*)::int FROM step WHERE run_id = r.id) AS step_total,
            (SELECT json_build_array(array_agg(s.key ORDER BY s.entered_event_id, s.id),
                                     array_agg(s.status ORDER BY s.entered_event_id, s.id),
                                     array_agg(s.entered_at ORDER BY s.entered_event_id, s.id),
                                     array_agg(s.attempts ORDER BY s.entered_event_id, s.id),
                                     array_agg(s.map_iteration_index ORDER BY s.entered_event_id, s.id))
               FROM step s WHERE s.run_id = r.id) AS step_states
       ${RUN_FROM}
       LEFT JOIN pipeline_revision rev ON rev.id = r.revision_id
       CROSS JOIN LATERAL (SELECT coalesce(rev.definition, p.definition) AS definition,
                                  $5 || ':' || md5(coalesce(rev.definition, p.definition)::text) AS layout_key) d
       LEFT JOIN graph_layout gl ON gl.key = d.layout_key
      WHERE ${runCondition("r")}`,
    [id, false, limit, selectedKey, LAYOUT_VERSION],
  );
  const row = rows[0];
  if (!row) return null;
  const states = row.step_states ?? [[], [], [], [], []];
  return {
    run: toRun(row.run),
    definition: row.definition,
    layoutKey: row.layout_key,
    layout: row.layout,
    steps: row.steps.map(toStepSummary),
    stepTotal: row.step_total,
    stepStates: [states[0] ?? [], states[1] ?? [], (states[2] ?? []).map(utc), states[3] ?? [], states[4] ?? []],
    teamId: row.team_id,
    liveEventId: row.live_event_id,
  };
}

/** The run alone (API and the header's live refetch). */
export async function getRun({ id, payloads = true }: { id: string; payloads?: boolean }): Promise<Run | null> {
  const rows = await sql<{ run: RunRow }>(`SELECT ${RUN_JSON} AS run ${RUN_FROM} WHERE ${runCondition("r")}`, [
    id,
    payloads,
  ]);
  return rows[0] ? toRun(rows[0].run) : null;
}

/** The run's steps (without payloads), optionally of one status, optionally one page (offset/limit) of them. */
export async function listRunSteps({
  id,
  status,
  offset = 0,
  limit = null,
}: {
  id: string;
  status?: StepStatus;
  offset?: number;
  limit?: number | null;
}): Promise<StepList | null> {
  const rows = await sql<{ run: StepList["run"]; steps: StepTuple[]; total: number }>(
    `SELECT json_build_object('publicId', r.public_id, 'status', r.status, 'version', r.version) AS run,
            ${STEPS_JSON(
              `${status ? 'AND s.status = $2::"StepStatus"' : "AND $2::text IS NULL"}
               AND s.id IN (SELECT x.id FROM step x WHERE x.run_id = r.id
                             ${status ? 'AND x.status = $2::"StepStatus"' : ""}
                             ORDER BY x.entered_event_id, x.id OFFSET $3 LIMIT $4)`,
            )} AS steps,
            (SELECT count(*)::int FROM step x WHERE x.run_id = r.id ${status ? 'AND x.status = $2::"StepStatus"' : ""}) AS total
       FROM run r WHERE ${runCondition("r")}`,
    [id, status ?? null, offset, limit],
  );
  const row = rows[0];
  if (!row) return null;
  const next = offset + row.steps.length;
  return {
    run: row.run,
    steps: row.steps.map(toStepSummary),
    total: row.total,
    nextOffset: limit !== null && next < row.total ? next : null,
  };
}

/** Raw history rows of a step's range, before they are narrowed to the step's own thread. */
type RawEvent = StepEvent & { previousId: number | null };
type JobRow = Omit<StepJob, "consoleUrl" | "logsUrl" | "hyperParameters" | "statusTransitions"> & {
  hyperParameters: unknown;
  statusTransitions: unknown;
};
const MAX_EVENTS = 500;
/** History rows read for one step; a Map step's range can hold every iteration's events. */
const EVENT_SCAN = 5000;

/** One step with its payloads, SageMaker jobs (metrics, curves) and history events. */
export async function getStepDetail({ id, key }: { id: string; key: string }): Promise<StepDetail | null> {
  const rows = await sql<{
    step: StepDetail["step"];
    entered_event_id: number;
    region: string;
    jobs: JobRow[];
    events: RawEvent[];
  }>(
    `SELECT json_build_object(
              'key', s.key, 'parentKey', s.parent_key, 'stateName', s.state_name, 'stateType', s.state_type,
              'status', s.status, 'enteredAt', ${ISO("s.entered_at")}, 'exitedAt', ${ISO("s.exited_at")},
              'attempts', s.attempts, 'mapIterationIndex', s.map_iteration_index,
              'parallelBranchIndex', s.parallel_branch_index, 'depth', s.depth, 'resource', s.resource,
              'resourceType', s.resource_type, 'input', s.input, 'output', s.output, 'error', s.error,
              'cause', s.cause, 'jobName', s.job_name, 'jobArn', s.job_arn, 'attemptLog', s.attempt_log,
              'jobKind', (SELECT kind FROM sagemaker_job WHERE step_id = s.id ORDER BY id DESC LIMIT 1),
              'jobStatus', (SELECT status FROM sagemaker_job WHERE step_id = s.id ORDER BY id DESC LIMIT 1)
            ) AS step,
            s.entered_event_id,
            src.region,
            (SELECT coalesce(json_agg(json_build_object(
                'name', j.name, 'arn', j.arn, 'kind', j.kind, 'status', j.status,
                'secondaryStatus', j.secondary_status, 'statusTransitions', j.status_transitions,
                'failureReason', j.failure_reason, 'hyperParameters', j.hyper_parameters,
                'instanceType', j.instance_type, 'instanceCount', j.instance_count,
                'billableSeconds', j.billable_seconds, 'artifactUri', j.artifact_uri,
                'startedAt', ${ISO("j.started_at")}, 'endedAt', ${ISO("j.ended_at")},
                'seriesState', j.series_state, 'seriesNote', j.series_reason, 'seriesPeriod', j.series_period,
                'finalMetrics', (SELECT coalesce(json_agg(json_build_object('name', m.name, 'value', m.value)
                                   ORDER BY m.name), '[]'::json)
                                 FROM run_metric m WHERE m.job_id = j.id AND m.scope <> 'run'),
                'series', (SELECT coalesce(json_agg(json_build_object('name', ps.name, 'points', ps.points)
                             ORDER BY ps.name), '[]'::json)
                           FROM (SELECT mp.name, json_agg(json_build_object('step', mp.step, 'value', mp.value,
                                          'timestamp', ${ISO("mp.timestamp")}) ORDER BY mp.step) AS points
                                   FROM metric_point mp WHERE mp.job_id = j.id GROUP BY mp.name) ps)
              ) ORDER BY j.id), '[]'::json)
               FROM sagemaker_job j
              WHERE j.step_id = s.id OR (j.run_id = r.id AND s.job_name IS NOT NULL AND j.name = s.job_name)) AS jobs,
            (SELECT coalesce(json_agg(json_build_object('id', e.event_id, 'previousId', e.previous_event_id,
                      'type', e.type, 'timestamp', ${ISO("e.timestamp")}, 'details', left(e.details::text, 4096))
                      ORDER BY e.event_id), '[]'::json)
               FROM (SELECT * FROM history_event
                      WHERE run_id = r.id AND event_id >= s.entered_event_id
                        AND event_id <= coalesce(s.exited_event_id, 2147483647)
                      ORDER BY event_id LIMIT ${EVENT_SCAN}) e) AS events
       FROM run r
       JOIN pipeline p ON p.id = r.pipeline_id
       JOIN aws_source src ON src.id = p.source_id
       JOIN step s ON s.run_id = r.id AND s.key = $2
      WHERE ${runCondition("r")}`,
    [id, key],
  );
  const row = rows[0];
  if (!row) return null;
  const jobs: StepJob[] = row.jobs.map((job) => ({
    ...job,
    hyperParameters: stringRecord(job.hyperParameters),
    statusTransitions: transitions(job.statusTransitions),
    consoleUrl: sagemakerJobConsoleUrl(row.region, job.kind, job.name),
    logsUrl: sagemakerJobLogsUrl(row.region, job.kind, job.name),
  }));
  return { step: row.step, jobs, events: threadOf(row.events, row.entered_event_id) };
}

/**
 * History is one list for all threads (Map iterations and Parallel branches run side by side). A step's own
 * events are the chain that starts at its *StateEntered and follows previousEventId links, stopping where
 * the next state is entered; events of child threads (iterations, branches) are left to the child steps.
 */
export function threadOf(events: readonly RawEvent[], enteredId: number | undefined): StepEvent[] {
  if (enteredId === undefined) return [];
  const inThread = new Set<number>([enteredId]);
  const out: StepEvent[] = [];
  for (const event of events) {
    if (out.length >= MAX_EVENTS) break;
    const own = event.id === enteredId || (event.previousId !== null && inThread.has(event.previousId));
    if (!own) continue;
    if (event.id !== enteredId && /StateEntered$|^MapIterationStarted$/.test(event.type)) continue;
    inThread.add(event.id);
    out.push({ id: event.id, type: event.type, timestamp: event.timestamp, details: event.details });
  }
  return out;
}

function stringRecord(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

/** SecondaryStatusTransitions as DescribeTrainingJob returns them (PascalCase), normalised. */
function transitions(value: unknown): StepJob["statusTransitions"] {
  if (!Array.isArray(value)) return [];
  const text = (v: unknown) =>
    typeof v === "string" ? v : typeof v === "number" ? new Date(v * 1000).toISOString() : null;
  return value
    .filter((t): t is Record<string, unknown> => t !== null && typeof t === "object")
    .map((t) => ({
      status: String(t.Status ?? t.status ?? "Unknown"),
      startTime: text(t.StartTime ?? t.startTime),
      endTime: text(t.EndTime ?? t.endTime),
      message: typeof (t.StatusMessage ?? t.message) === "string" ? String(t.StatusMessage ?? t.message) : null,
    }));
}

/** The public id of the run a pipeline (numeric id or name) ran under an execution name, for redirects. */
export async function findRunByExecutionName({
  pipeline,
  name,
}: {
  pipeline: string;
  name: string;
}): Promise<string | null> {
  const rows = await sql<{ public_id: string }>(
    `SELECT r.public_id FROM run r JOIN pipeline p ON p.id = r.pipeline_id
      WHERE r.name = $2 AND (CASE WHEN $1 ~ '^[0-9]{1,9}$' THEN p.id = $1::int ELSE p.name = $1 END)
      ORDER BY r.started_at DESC LIMIT 1`,
    [pipeline, name],
  );
  return rows[0]?.public_id ?? null;
}

/** The public id of a pipeline's most recent run (by start), or null when it has none or does not exist. */
export async function latestRunOfPipeline({ pipelineId }: { pipelineId: number }): Promise<string | null> {
  const rows = await sql<{ public_id: string }>(
    "SELECT public_id FROM run WHERE pipeline_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1",
    [pipelineId],
  );
  return rows[0]?.public_id ?? null;
}

/** What an action on a run needs: the execution, the owning team and the AWS source to call. */
export type RunForAction = {
  id: number;
  publicId: string;
  executionArn: string;
  name: string;
  status: Run["status"];
  stoppedAt: Date | null;
  input: string | null;
  pipelineId: number;
  stateMachineArn: string;
  pipelineType: string;
  teamId: number | null;
  sourceId: number;
};

export async function getRunForAction({ id }: { id: string }): Promise<RunForAction | null> {
  const rows = await sql<RunForAction>(
    `SELECT r.id, r.public_id AS "publicId", r.execution_arn AS "executionArn", r.name, r.status,
            r.stopped_at AT TIME ZONE 'UTC' AS "stoppedAt", r.input, p.id AS "pipelineId", p.state_machine_arn AS "stateMachineArn",
            p.type AS "pipelineType", p.team_id AS "teamId", p.source_id AS "sourceId"
       FROM run r JOIN pipeline p ON p.id = r.pipeline_id
      WHERE ${runCondition("r")}`,
    [id],
  );
  return rows[0] ?? null;
}

export type { RunLink };

/** A Map Run of the run (by ARN, or its latest) with the AWS source to ask about its child executions. */
export async function getMapRunOfRun({
  id,
  mapRunArn,
}: {
  id: string;
  mapRunArn?: string;
}): Promise<{ found: boolean; mapRunArn: string | null; sourceId: number; region: string } | null> {
  const rows = await sql<{ map_run_arn: string | null; source_id: number; region: string }>(
    `SELECT (SELECT m.map_run_arn FROM map_run m WHERE m.run_id = r.id AND ($2::text IS NULL OR m.map_run_arn = $2)
              ORDER BY m.started_at DESC, m.id DESC LIMIT 1) AS map_run_arn,
            p.source_id, src.region
       FROM run r JOIN pipeline p ON p.id = r.pipeline_id JOIN aws_source src ON src.id = p.source_id
      WHERE ${runCondition("r")}`,
    [id, mapRunArn ?? null],
  );
  const row = rows[0];
  if (!row) return null;
  return { found: row.map_run_arn !== null, mapRunArn: row.map_run_arn, sourceId: row.source_id, region: row.region };
}
