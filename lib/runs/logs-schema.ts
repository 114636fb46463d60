/**
 * A SageMaker job's CloudWatch Logs as the run page and the API show them (`GET /api/v1/runs/{runId}/logs`),
 * shared by the route handler, lib/runs/logs.ts, the OpenAPI document and the job panel. Free of server
 * imports. Page tokens are AWS's own (GetLogEvents' nextBackwardToken "b/…" and nextForwardToken "f/…"):
 * opaque, checked only for their shape and length before they go back to AWS.
 */
import { z } from "zod";
import { LOG_STREAM_NAME, LOG_STREAM_NAME_MAX } from "./log-position";

/** The three kinds of job whose containers log to CloudWatch Logs, and their log groups. */
export const JOB_LOG_GROUPS = {
  TRAINING: "/aws/sagemaker/TrainingJobs",
  PROCESSING: "/aws/sagemaker/ProcessingJobs",
  TRANSFORM: "/aws/sagemaker/TransformJobs",
} as const;
export type LoggedJobKind = keyof typeof JOB_LOG_GROUPS;

export const LOG_PAGE_DEFAULT = 200;
export const LOG_PAGE_MAX = 1000;

const token = (direction: "b" | "f", what: string) =>
  z
    .string()
    .max(1024)
    .regex(new RegExp(`^${direction}/[A-Za-z0-9+/=_.-]{1,1020}$`), `${what}: a token this API answered`);

/** CloudWatch Logs stream names: 1–512 characters, no ":" or "*" (the API reference's pattern), no control characters. */
export const LogStreamName = z
  .string()
  .min(1)
  .max(LOG_STREAM_NAME_MAX)
  .regex(LOG_STREAM_NAME, "stream: a log stream name (no ':' or '*')");

export const JobLogsQuery = z
  .object({
    step: z
      .string()
      .min(1)
      .max(512)
      .meta({ description: 'The step key, e.g. "TrainModel" or "ForecastPerMarket[3]/Train"' }),
    stream: LogStreamName.optional().meta({
      description:
        "One of the answer's `streams[].name`; default: the job's first stream (algo-1, or the instance's own log)",
    }),
    before: token("b", "before")
      .optional()
      .meta({ description: "The previous answer's `before`: the lines written before those it showed" }),
    after: token("f", "after")
      .optional()
      .meta({ description: "The previous answer's `after`: only lines written since (tailing a running job)" }),
    limit: z.coerce.number().int().min(1).max(LOG_PAGE_MAX).default(LOG_PAGE_DEFAULT),
  })
  .refine((q) => !(q.before && q.after), { message: "before and after: send one of them, not both" });
export type JobLogsQuery = z.infer<typeof JobLogsQuery>;

export const JobLogEvent = z
  .object({
    timestamp: z.number().int().meta({ description: "When the container wrote the line, epoch milliseconds" }),
    message: z.string(),
    ingestionTime: z.number().int().nullable().meta({ description: "When CloudWatch Logs took it in (ms), if said" }),
  })
  .meta({ id: "JobLogEvent" });
export type JobLogEvent = z.infer<typeof JobLogEvent>;

export const JobLogStream = z
  .object({
    name: z.string(),
    firstEventAt: z.number().int().nullable(),
    lastEventAt: z.number().int().nullable(),
  })
  .meta({ id: "JobLogStream" });
export type JobLogStream = z.infer<typeof JobLogStream>;

export const JOB_LOG_REASONS = ["not_started", "no_log_group", "no_streams", "no_stream"] as const;

export const JobLogPage = z
  .object({
    job: z.object({ name: z.string().nullable(), kind: z.enum(["TRAINING", "PROCESSING", "TRANSFORM"]) }),
    logGroup: z.string(),
    streams: z.array(JobLogStream).meta({ description: "The job's log streams, by name (at most 50)" }),
    stream: z.string().nullable().meta({ description: "The stream these lines are from" }),
    events: z.array(JobLogEvent).meta({ description: "Oldest first" }),
    before: z.string().nullable().meta({ description: "Token for the lines before these; null at the stream's start" }),
    after: z.string().nullable().meta({ description: "Token for lines written after these (tail)" }),
    reason: z.enum(JOB_LOG_REASONS).nullable().meta({
      description: "Why there are no lines: the job has not started, or has written no logs (yet)",
    }),
    note: z.string().nullable().meta({ description: "The reason in plain words" }),
  })
  .meta({
    id: "JobLogPage",
    description: "Lines of a SageMaker job's CloudWatch Logs, read from AWS on demand (never stored).",
  });
export type JobLogPage = z.infer<typeof JobLogPage>;
