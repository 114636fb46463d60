/**
 * A SageMaker job's CloudWatch Logs, read when the run page (or the API) asks — never synced or stored: logs
 * are large, rarely read, and AWS keeps them. One client per source is kept between requests (the live tail
 * asks every 2–30 s per viewer), with the region, endpoint and credentials of the run's source (the same the
 * sync uses, lib/sync `sourceClientSettings`: its role assumed once and again before the credentials expire, not
 * per request) and the SDK's standard retry (throttling and 5xx are retried with backoff, three attempts: a
 * person is waiting). A change of the source's settings builds a new client.
 *
 * - The job's streams come from DescribeLogStreams (prefix `<job name>/`, as SageMaker names them).
 * - Lines are paged from the END (GetLogEvents startFromHead=false); `before` (AWS's nextBackwardToken)
 *   reads the lines before a page, `after` (nextForwardToken, sent with startFromHead=true as the reference
 *   asks) reads only lines written since — the live tail.
 * - AccessDeniedException becomes LogsAccessDenied (403) naming the IAM action the role lacks;
 *   ResourceNotFoundException (no log group, no stream: the job never started or has not logged yet) is
 *   an empty answer with its reason, not an error.
 */
import "server-only";
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  type GetLogEventsCommandOutput,
  type LogStream,
} from "@aws-sdk/client-cloudwatch-logs";
import { sql } from "@/lib/db";
import { AppError, badRequest, notFound, unavailable } from "@/lib/errors";
import { logger } from "@/lib/log";
import { type SourceClientSettings, sourceClientSettings } from "@/lib/sync";
import {
  JOB_LOG_GROUPS,
  type JobLogEvent,
  type JobLogPage,
  type JobLogStream,
  type LoggedJobKind,
} from "./logs-schema";

/** The role may not read the logs: the message names the IAM action and the log group. */
export class LogsAccessDenied extends AppError {
  constructor(
    readonly permission: "logs:GetLogEvents" | "logs:DescribeLogStreams",
    readonly logGroup: string,
  ) {
    super("forbidden", `Stepwise's role lacks ${permission} on ${logGroup}, so the job's logs cannot be shown.`, {
      permission,
      logGroup,
    });
    this.name = "LogsAccessDenied";
  }
}

const errorName = (error: unknown) => (error as { name?: string } | null)?.name ?? "";

const NOTES = {
  not_started: "The job has not started yet: no logs so far.",
  no_log_group: "This account has no SageMaker logs of this kind (yet): the job has written nothing.",
  no_streams: "The job has written no logs yet (its container starts after the instances are ready).",
  no_stream: "This log stream does not exist (any more).",
} as const;

export type ReadJobLogsInput = {
  kind: LoggedJobKind;
  jobName: string;
  stream?: string;
  before?: string;
  after?: string;
  limit: number;
};

function emptyPage(input: { kind: LoggedJobKind; jobName: string | null }, reason: keyof typeof NOTES): JobLogPage {
  return {
    job: { name: input.jobName, kind: input.kind },
    logGroup: JOB_LOG_GROUPS[input.kind],
    streams: [],
    stream: null,
    events: [],
    before: null,
    after: null,
    reason,
    note: NOTES[reason],
  };
}

const toStream = (s: LogStream): JobLogStream | null =>
  s.logStreamName
    ? { name: s.logStreamName, firstEventAt: s.firstEventTimestamp ?? null, lastEventAt: s.lastEventTimestamp ?? null }
    : null;

/**
 * One page of a job's log with the client given (tests pass one pointed at the emulator or at fixtures).
 * `after` and `before` are AWS's tokens from an earlier answer; at most one of them.
 */
export async function readJobLogs(client: CloudWatchLogsClient, input: ReadJobLogsInput): Promise<JobLogPage> {
  const logGroup = JOB_LOG_GROUPS[input.kind];
  const prefix = `${input.jobName}/`;
  let listed: LogStream[];
  try {
    const answer = await client.send(
      new DescribeLogStreamsCommand({ logGroupName: logGroup, logStreamNamePrefix: prefix, limit: 50 }),
    );
    listed = answer.logStreams ?? [];
  } catch (error) {
    if (errorName(error) === "AccessDeniedException") throw new LogsAccessDenied("logs:DescribeLogStreams", logGroup);
    if (errorName(error) === "ResourceNotFoundException") return emptyPage(input, "no_log_group");
    throw error;
  }
  const streams = listed.flatMap((s) => toStream(s) ?? []).filter((s) => s.name.startsWith(prefix));
  if (streams.length === 0 && !input.stream) return emptyPage(input, "no_streams");
  // The container's own log first (a transform job also has a `/data-log` stream).
  const stream =
    input.stream ?? streams.find((s) => !s.name.endsWith("/data-log"))?.name ?? (streams[0]?.name as string);
  if (!stream.startsWith(prefix)) throw notFound(`"${stream.slice(0, 200)}" is not a log stream of ${input.jobName}.`);

  let answer: GetLogEventsCommandOutput;
  try {
    answer = await client.send(
      new GetLogEventsCommand({
        logGroupName: logGroup,
        logStreamName: stream,
        limit: input.limit,
        ...(input.after
          ? { nextToken: input.after, startFromHead: true }
          : input.before
            ? { nextToken: input.before, startFromHead: false }
            : { startFromHead: false }),
      }),
    );
  } catch (error) {
    const name = errorName(error);
    if (name === "AccessDeniedException") throw new LogsAccessDenied("logs:GetLogEvents", logGroup);
    if (name === "ResourceNotFoundException") return { ...emptyPage(input, "no_stream"), streams };
    // A stale, forged or other stream's token is the caller's mistake, not ours.
    if (name === "InvalidParameterException" && (input.after || input.before)) {
      throw badRequest("The log page token is not valid (any more): reload the log.");
    }
    throw error;
  }

  // Every member of OutputLogEvent is optional in the reference: keep the lines that say when and what.
  const events: JobLogEvent[] = (answer.events ?? []).flatMap((e) =>
    typeof e.timestamp === "number" && typeof e.message === "string"
      ? [{ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime ?? null }]
      : [],
  );
  return {
    job: { name: input.jobName, kind: input.kind },
    logGroup,
    streams,
    stream,
    events,
    before: earlierToken(input, answer.nextBackwardToken, events.length),
    after: answer.nextForwardToken ?? input.after ?? null,
    reason: null,
    note: null,
  };
}

/**
 * Whether there is anything before this page. AWS answers the same backward token at the start of the
 * stream; a page shorter than asked for (read backwards) also reached it. An empty page with a NEW token is
 * not the end: the reference warns GetLogEvents "can return empty results while there are more log events".
 */
function earlierToken(input: ReadJobLogsInput, token: string | undefined, count: number): string | null {
  if (input.after || !token) return null;
  if (input.before && token === input.before) return null;
  if (count > 0 && count < input.limit) return null;
  if (count === 0 && !input.before) return null;
  return token;
}

// ─────────────────────────────── one client per source ───────────────────────────────

const clientsBySource = new Map<number, { settings: SourceClientSettings; client: CloudWatchLogsClient }>();

/** The source's kept client; a new one (the old one closed) when its settings changed. */
function logsClientFor(sourceId: number, settings: SourceClientSettings): CloudWatchLogsClient {
  const kept = clientsBySource.get(sourceId);
  if (kept?.settings === settings) return kept.client;
  kept?.client.destroy();
  const { region, endpoint, credentials } = settings;
  const client = new CloudWatchLogsClient({ region, endpoint, credentials, maxAttempts: 3, retryMode: "standard" });
  clientsBySource.set(sourceId, { settings, client });
  return client;
}

// ─────────────────────────────── the run's step → its job ───────────────────────────────

const KIND_OF_RESOURCE: [RegExp, LoggedJobKind][] = [
  [/createTrainingJob/i, "TRAINING"],
  [/createProcessingJob/i, "PROCESSING"],
  [/createTransformJob/i, "TRANSFORM"],
];

type StepJobRow = {
  source_id: number;
  step_found: boolean;
  job_name: string | null;
  resource: string | null;
  kind: string | null;
};

/**
 * The logs of a run's step: null when there is no such run; 404 for an unknown step or one that ran no
 * training, processing or transform job.
 */
export async function getStepLogs(input: {
  id: string;
  step: string;
  stream?: string;
  before?: string;
  after?: string;
  limit: number;
}): Promise<JobLogPage | null> {
  const rows = await sql<StepJobRow>(
    `SELECT p.source_id, s.id IS NOT NULL AS step_found, s.job_name, s.resource,
            (SELECT j.kind::text FROM sagemaker_job j WHERE j.step_id = s.id ORDER BY j.id DESC LIMIT 1) AS kind
       FROM run r JOIN pipeline p ON p.id = r.pipeline_id
       LEFT JOIN step s ON s.run_id = r.id AND s.key = $2
      WHERE (CASE WHEN left($1, 4) = 'arn:' THEN r.execution_arn = $1 ELSE r.public_id = $1 END)`,
    [input.id, input.step],
  );
  const row = rows[0];
  if (!row) return null;
  if (!row.step_found) throw notFound(`This run has no step "${input.step.slice(0, 200)}".`);
  const kind =
    row.kind && row.kind in JOB_LOG_GROUPS
      ? (row.kind as LoggedJobKind)
      : KIND_OF_RESOURCE.find(([pattern]) => pattern.test(row.resource ?? ""))?.[1];
  if (!kind) throw notFound("This step ran no SageMaker training, processing or transform job: it has no job logs.");
  if (!row.job_name) return emptyPage({ kind, jobName: null }, "not_started");

  const client = logsClientFor(row.source_id, await sourceClientSettings(row.source_id));
  try {
    return await readJobLogs(client, {
      kind,
      jobName: row.job_name,
      stream: input.stream,
      before: input.before,
      after: input.after,
      limit: input.limit,
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    // AWS unreachable or failing after the SDK's retries: say so, and let the panel try again later.
    logger.warn({ err: error, job: row.job_name }, "reading a job's CloudWatch Logs failed");
    throw unavailable(`CloudWatch Logs did not answer (${errorName(error) || "no answer"}); try again shortly.`, 30);
  }
}
