/**
 * Zod schemas of the run page and of /api/v1/runs/**: the run, its steps, one
 * step's details, the view state kept in the page URL, and the run actions.
 * Free of server imports: route handlers validate with them, the OpenAPI
 * document is generated from them, and client components infer their types.
 */
import { z } from "zod";

import {
  RUN_STATUSES,
  type RunStatus as RunStatusValue,
  STEP_STATUSES,
  type StepStatus as StepStatusValue,
} from "@/lib/status";

export { RUN_STATUSES, STEP_STATUSES };
/** The statuses of lib/status.ts (declared there only), as zod enums for the API and its OpenAPI document. */
export const RunStatus = z.enum(RUN_STATUSES);
export const StepStatus = z.enum(STEP_STATUSES);
export type RunStatus = RunStatusValue;
export type StepStatus = StepStatusValue;

const isoTime = z.string().meta({ description: "ISO 8601 UTC timestamp" });

/** A run is addressed by its public id (as in /runs/<publicId>) or by its execution ARN. */
export const RunIdParams = z.object({
  runId: z.string().min(1).max(2048).meta({
    description:
      "The run's `id` as every list answers it (its public id, as in /runs/<id>) or its URL-encoded execution ARN",
    example: "k3v9x2mq7rd4",
  }),
});

/**
 * The owning team as every /api/v1 answer names it: by its slug, which is its public identifier (`id` is the
 * slug too, as in /api/v1/teams/{slug} and /api/v1/me). The database's numeric id never leaves the server.
 */
export const TeamRef = z
  .object({
    id: z
      .string()
      .meta({ description: "The team's slug, its public id (/api/v1/teams/{slug})", example: "fit-and-size" }),
    slug: z.string(),
    name: z.string(),
  })
  .meta({ id: "TeamRef" });
export type TeamRef = z.infer<typeof TeamRef>;

export const RunLink = z
  .object({ publicId: z.string(), name: z.string(), status: RunStatus, startedAt: isoTime })
  .meta({ id: "RunLink" });

export const SyncWarning = z
  .object({
    operation: z.string().meta({ description: 'The AWS call (IAM action), e.g. "sagemaker:DescribeTrainingJob"' }),
    object: z.string().meta({ description: "What it was called for (execution ARN, job name)" }),
    reason: z.enum(["denied", "unsupported", "not_found", "elsewhere", "wrong_type", "failing"]),
    attempts: z.number().int(),
    message: z.string().meta({ description: "What is missing and why, in plain words" }),
    gaveUpAt: isoTime,
  })
  .meta({ id: "SyncWarning", description: "A call the sync stopped making for a run, and why." });
export type SyncWarning = z.infer<typeof SyncWarning>;

export const MapRunCounts = z
  .object({
    pending: z.number().int(),
    running: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    timedOut: z.number().int(),
    aborted: z.number().int(),
    total: z.number().int(),
    resultsWritten: z.number().int(),
    failuresNotRedrivable: z.number().int(),
    pendingRedrive: z.number().int(),
  })
  .meta({ id: "MapRunCounts", description: "DescribeMapRun's itemCounts / executionCounts (absent ones as 0)" });
export type MapRunCounts = z.infer<typeof MapRunCounts>;

/** A Map Run's child executions are executions: ListExecutions' statusFilter takes a run's statuses. */
export const MAP_RUN_EXECUTION_STATUSES = RUN_STATUSES;

export const MapRunSummary = z
  .object({
    stepKey: z.string().meta({ description: "The distributed Map step that started it" }),
    mapRunArn: z.string(),
    status: z.string().meta({ description: "RUNNING, SUCCEEDED, FAILED or ABORTED" }),
    startedAt: isoTime,
    stoppedAt: isoTime.nullable(),
    maxConcurrency: z.number().int(),
    toleratedFailurePercentage: z.number(),
    toleratedFailureCount: z.number().int(),
    itemCounts: MapRunCounts,
    executionCounts: MapRunCounts,
    redriveCount: z.number().int(),
    redriveDate: isoTime.nullable(),
  })
  .meta({ id: "MapRun", description: "A distributed Map's Map Run, as DescribeMapRun answered it at the last sync." });
export type MapRunSummary = z.infer<typeof MapRunSummary>;

export const Run = z
  .object({
    id: z.string().meta({
      description: "The run's public id, the `{runId}` of this path (its execution ARN is accepted there too).",
      example: "k3v9x2mq7rd4",
    }),
    publicId: z.string().meta({ description: "The same value as `id` (kept for older clients)." }),
    executionArn: z.string(),
    name: z.string(),
    status: RunStatus,
    startedAt: isoTime,
    stoppedAt: isoTime.nullable(),
    input: z.string().nullable().meta({ description: "Execution input as AWS returned it; omitted with payloads=0" }),
    output: z.string().nullable().meta({ description: "Execution output; omitted with payloads=0" }),
    inputSize: z.number().int().meta({ description: "Length of the input in characters" }),
    inputSummary: z.string().nullable().meta({ description: "A one-line summary of the input's top-level fields" }),
    error: z.string().nullable(),
    cause: z.string().nullable(),
    redriveCount: z.number().int(),
    redriveDate: isoTime.nullable(),
    redriveStatus: z.string().nullable(),
    stepCount: z.number().int(),
    version: z.number().int().meta({ description: "Bumped on every change; the live stream sends it" }),
    region: z.string(),
    accountId: z.string(),
    consoleUrl: z.string().meta({ description: "The execution in the AWS Step Functions console" }),
    pipeline: z.object({
      id: z.number().int(),
      name: z.string(),
      stateMachineArn: z.string(),
      team: TeamRef.nullable(),
    }),
    previous: RunLink.nullable().meta({ description: "The pipeline's run started just before this one" }),
    next: RunLink.nullable().meta({ description: "The pipeline's run started just after this one" }),
    statusCounts: z.record(z.string(), z.number().int()).meta({ description: "Steps per status" }),
    syncWarnings: z.array(SyncWarning).meta({
      description:
        "What the sync gave up reading for this run (gone, another account, kept failing); empty when nothing",
    }),
    mapRuns: z.array(MapRunSummary).meta({ description: "The Map Runs of its distributed Map steps, oldest first" }),
    cost: z
      .object({
        usd: z.number().meta({ description: "Approximate: instances × billable time × on-demand list price" }),
        spotSavingsUsd: z.number().meta({ description: "Billable time saved by managed spot training, priced" }),
        pricedJobs: z.number().int(),
        jobs: z
          .number()
          .int()
          .meta({ description: "SageMaker jobs of the run; those of unknown instance types are not priced" }),
      })
      .nullable()
      .meta({ description: "What the run's SageMaker jobs cost, approximately; null without jobs" }),
  })
  .meta({ id: "Run", description: "A Step Functions execution of a pipeline." });
export type Run = z.infer<typeof Run>;

export const RunQuery = z.object({
  payloads: z
    .enum(["0", "1"])
    .default("1")
    .meta({ description: "0 leaves out input and output (the live page refetches without them)" }),
});

export const StepAttemptSummary = z
  .object({
    startedAt: isoTime,
    endedAt: isoTime.nullable(),
    status: StepStatus.meta({ description: "FAILED / TIMED_OUT for a failed attempt, else the step's outcome" }),
    error: z.string().nullable().meta({ description: "Error name, first 200 characters" }),
  })
  .meta({ id: "StepAttemptSummary", description: "One attempt of a retried step (Retry)." });
export type StepAttemptSummary = z.infer<typeof StepAttemptSummary>;

export const StepAttempt = StepAttemptSummary.extend({
  error: z.string().nullable(),
  cause: z.string().nullable().meta({ description: "The failure's cause, first 1,000 characters" }),
}).meta({ id: "StepAttempt" });
export type StepAttempt = z.infer<typeof StepAttempt>;

export const StepSummary = z
  .object({
    key: z.string().meta({ description: 'Unique within the run: "Train", "Train#2", "Map[3]/Train", "Par{1}/Score"' }),
    parentKey: z.string().nullable(),
    stateName: z.string(),
    stateType: z.string(),
    status: StepStatus,
    enteredAt: isoTime,
    exitedAt: isoTime.nullable(),
    attempts: z.number().int(),
    mapIterationIndex: z.number().int().nullable(),
    parallelBranchIndex: z.number().int().nullable(),
    depth: z.number().int(),
    resourceType: z.string().nullable(),
    error: z.string().nullable().meta({ description: "Error name, first 200 characters" }),
    jobName: z.string().nullable(),
    jobKind: z.string().nullable(),
    jobStatus: z.string().nullable(),
    attemptLog: z.array(StepAttemptSummary).nullable().optional().meta({
      description: "Each attempt, in order, when the step was retried (attempts > 1); absent when it ran once",
    }),
    jobPhases: z
      .array(z.object({ name: z.string(), startedAt: isoTime, endedAt: isoTime.nullable() }))
      .nullable()
      .optional()
      .meta({
        description:
          "The SageMaker job's phases (a training job's secondary statuses: Starting, Downloading, Training, " +
          "Uploading …; a processing or transform job's Starting and its work); absent without a job",
      }),
  })
  .meta({ id: "StepSummary", description: "One execution of one state (a retry is an attempt, not a new step)." });
export type StepSummary = z.infer<typeof StepSummary>;

export const StepsQuery = z.object({
  status: StepStatus.optional().meta({ description: "Only steps with this status" }),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0).meta({ description: "Steps to skip (paging)" }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .meta({ description: "At most this many steps (default: all)" }),
});

export const StepList = z
  .object({
    run: z.object({ publicId: z.string(), status: RunStatus, version: z.number().int() }),
    steps: z.array(StepSummary),
    total: z.number().int().meta({ description: "Steps of the run (with the status filter)" }),
    nextOffset: z.number().int().nullable().meta({ description: "Offset of the next page; null on the last one" }),
  })
  .meta({ id: "StepList" });
export type StepList = z.infer<typeof StepList>;

export const MetricSeries = z
  .object({
    name: z.string(),
    points: z.array(z.object({ step: z.number().int(), value: z.number(), timestamp: isoTime })),
  })
  .meta({ id: "MetricSeries" });
export type MetricSeries = z.infer<typeof MetricSeries>;

export const StatusTransition = z.object({
  status: z.string(),
  startTime: isoTime.nullable(),
  endTime: isoTime.nullable(),
  message: z.string().nullable(),
});
export type StatusTransition = z.infer<typeof StatusTransition>;

export const StepJob = z
  .object({
    name: z.string(),
    arn: z.string(),
    kind: z.enum(["TRAINING", "PROCESSING", "TRANSFORM", "TUNING"]),
    status: z.string(),
    secondaryStatus: z.string().nullable(),
    statusTransitions: z.array(StatusTransition),
    failureReason: z.string().nullable(),
    hyperParameters: z.record(z.string(), z.string()),
    instanceType: z.string().nullable(),
    instanceCount: z.number().int().nullable(),
    billableSeconds: z.number().int().nullable(),
    artifactUri: z.string().nullable(),
    startedAt: isoTime.nullable(),
    endedAt: isoTime.nullable(),
    finalMetrics: z.array(z.object({ name: z.string(), value: z.number() })),
    series: z.array(MetricSeries),
    seriesState: z.enum(["PENDING", "COMPLETE", "UNAVAILABLE"]).nullable().meta({
      description: "The per-epoch series (CloudWatch): still to fetch, complete, or unavailable (seriesNote says why)",
    }),
    seriesNote: z
      .string()
      .nullable()
      .meta({ description: 'Why the series is unavailable, e.g. "the role lacks cloudwatch:GetMetricData"' }),
    seriesPeriod: z.number().int().nullable().meta({
      description:
        "The Period (seconds) the series was read at: 1 is a point per logged epoch; 60, 300 or 3600 a bucket's mean, when the job was read after CloudWatch dropped its 1-second data (kept 3 hours)",
    }),
    consoleUrl: z.string(),
    logsUrl: z.string(),
  })
  .meta({ id: "StepJob", description: "A SageMaker job a step started." });
export type StepJob = z.infer<typeof StepJob>;

export const StepEvent = z.object({
  id: z.number().int(),
  type: z.string(),
  timestamp: isoTime,
  details: z.string().nullable().meta({ description: "The event's details as JSON, first 4 KiB" }),
});
export type StepEvent = z.infer<typeof StepEvent>;

export const StepDetail = z
  .object({
    step: StepSummary.extend({
      resource: z.string().nullable(),
      input: z.string().nullable(),
      output: z.string().nullable(),
      error: z.string().nullable(),
      cause: z.string().nullable(),
      jobArn: z.string().nullable(),
      attemptLog: z.array(StepAttempt).nullable(),
    }),
    jobs: z.array(StepJob),
    events: z.array(StepEvent).meta({ description: "History events of this step's thread, at most 500" }),
  })
  .meta({ id: "StepDetail" });
export type StepDetail = z.infer<typeof StepDetail>;

export const MapRunExecutionsQuery = z.object({
  mapRun: z
    .string()
    .min(1)
    .max(2000)
    .regex(/^arn:aws[\w-]*:states:/, "a Map Run ARN")
    .optional()
    .meta({ description: "The Map Run (one of the run's `mapRuns[].mapRunArn`); default: the run's latest" }),
  status: z.enum(MAP_RUN_EXECUTION_STATUSES).optional().meta({ description: "Only child executions in this status" }),
  nextToken: z.string().min(1).max(3000).optional().meta({ description: "The previous page's nextToken" }),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

export const MapRunExecution = z
  .object({
    name: z.string(),
    executionArn: z.string(),
    status: z.string(),
    startedAt: isoTime,
    stoppedAt: isoTime.nullable(),
    consoleUrl: z.string(),
  })
  .meta({ id: "MapRunExecution", description: "A child execution of a Map Run (one item or batch)." });
export type MapRunExecution = z.infer<typeof MapRunExecution>;

export const MapRunExecutionList = z
  .object({
    mapRunArn: z.string().nullable().meta({ description: "null when the run has no Map Run" }),
    executions: z.array(MapRunExecution),
    nextToken: z.string().nullable(),
  })
  .meta({
    id: "MapRunExecutionList",
    description: "One page of a Map Run's child executions, read from Step Functions on demand (ListExecutions).",
  });
export type MapRunExecutionList = z.infer<typeof MapRunExecutionList>;

export const StepKeyParams = z.object({
  runId: RunIdParams.shape.runId,
  key: z
    .array(z.string().min(1).max(512))
    .min(1)
    .max(32)
    .meta({ description: 'The step key; its "/" separate path segments, e.g. ForecastPerMarket[3]/TrainForecaster' }),
});

// ───────────────────────────── actions ─────────────────────────────

export const RUN_ACTIONS = ["stop", "redrive", "rerun"] as const;
export type RunAction = (typeof RUN_ACTIONS)[number];

export const RunActionInput = z.object({
  publicId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "a run id is letters, digits, '_' or '-'"),
});

export const RunActionBody = z
  .object({ reason: z.string().trim().max(256).optional().meta({ description: "Kept in the audit log" }) })
  .meta({ id: "RunActionBody" });

export const RunActionResult = z
  .object({
    action: z.enum(RUN_ACTIONS),
    publicId: z.string().meta({ description: "The run the action applied to (rerun: the original run)" }),
    executionArn: z.string().meta({ description: "The execution acted on, or the new one (rerun)" }),
    newRunPublicId: z.string().nullable().meta({ description: "rerun: the public id the new run will have" }),
    message: z.string(),
  })
  .meta({ id: "RunActionResult" });
export type RunActionResult = z.infer<typeof RunActionResult>;
