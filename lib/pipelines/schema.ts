/**
 * Zod schemas of the pipelines domain: the query parameters of the pipelines index, the runs table
 * and the metric series, and the shapes the API answers with. Free of server imports, so pages,
 * route handlers and the OpenAPI document (lib/pipelines/openapi.ts) share them; client components import
 * only their types (values from ./constants), so the browser does not load zod.
 */
import { z } from "zod";
import { parseSearch, SEARCH_LIMITS, SearchSyntaxError } from "@/lib/runs/search";
import { FAILED_RUN_STATUSES, RUN_STATUSES, type RunStatus as RunStatusValue } from "@/lib/status";
import { MAX_COMPARE, PIPELINE_SORTS, RUN_SORTS, X_AXES } from "./constants";

export { MAX_COMPARE, PIPELINE_SORTS, RUN_SORTS, type RunSort, X_AXES, type XAxis } from "./constants";

export { RUN_STATUSES };
/** The run statuses of lib/status.ts (declared there only), as a zod enum for queries and the OpenAPI document. */
export const RunStatus = z.enum(RUN_STATUSES).meta({ id: "RunStatus" });
export type RunStatus = RunStatusValue;
/** Statuses drawn as "failed" marks on the metric graph. */
export const FAILED_STATUSES = FAILED_RUN_STATUSES;

/** Empty query values (`?q=`) mean "not set", as a form submitting an empty field intends. */
const blank = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optionalText = (max: number) => z.preprocess(blank, z.string().trim().max(max).optional());
const limit = (fallback: number, max: number) =>
  z.preprocess(blank, z.coerce.number().int().min(1).max(max).default(fallback));
const cursor = z.preprocess(
  blank,
  z
    .string()
    .max(600)
    .regex(/^[A-Za-z0-9_-]+$/, "not a cursor returned by this API")
    .optional(),
);
/** `a,b,c` or repeated parameters (`?status=a&status=b`), as a list. */
const commaList = (value: unknown) => {
  const parts = (Array.isArray(value) ? value : [value])
    .flatMap((v) => (typeof v === "string" ? v.split(",") : []))
    .map((v) => v.trim())
    .filter(Boolean);
  return parts.length ? parts : undefined;
};
/** An ISO 8601 date-time or a date (`2025-01-31`), as a Date. */
const instant = z.preprocess(
  blank,
  z
    .string()
    .max(40)
    .refine((v) => !Number.isNaN(Date.parse(v)), "an ISO 8601 date or date-time, e.g. 2025-01-31T12:00:00Z")
    .transform((v) => new Date(Date.parse(v)))
    .optional(),
);

// ───────────────────────────── pipelines index ─────────────────────────────

export const PipelineListQuery = z.object({
  q: optionalText(200).meta({ description: "Text in the pipeline's name or description." }),
  team: z.preprocess(
    blank,
    z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9_.-]+$/, "a team slug")
      .optional()
      .meta({ description: "Team slug." }),
  ),
  status: z.preprocess(
    blank,
    z
      .enum([...RUN_STATUSES, "NEVER"])
      .optional()
      .meta({ description: "Status of the pipeline's latest run (`NEVER`: no run yet)." }),
  ),
  tag: optionalText(200).meta({ description: "A tag key (`team`) or key=value (`team=forecasting`)." }),
  sort: z.preprocess(blank, z.enum(PIPELINE_SORTS).default("recent")),
  cursor: cursor.meta({ description: "`nextCursor` / `prevCursor` of a previous page." }),
  limit: limit(50, 200),
});
export type PipelineListQuery = z.infer<typeof PipelineListQuery>;

export const RunRef = z
  .object({
    publicId: z.string(),
    name: z.string(),
    status: RunStatus,
    startedAt: z.iso.datetime(),
    stoppedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "RunRef" });

export const PipelineSummary = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    team: z.object({ slug: z.string(), name: z.string() }).nullable(),
    tags: z.record(z.string(), z.string()),
    headlineMetric: z.string().nullable(),
    lastRun: RunRef.nullable(),
    recent: z
      .object({
        window: z.number().int().meta({ description: "Finished runs looked at (the last N)." }),
        finished: z.number().int(),
        succeeded: z.number().int(),
        successRate: z.number().nullable().meta({ description: "succeeded / finished, null without finished runs" }),
        medianDurationMs: z.number().nullable().meta({ description: "Median duration of the succeeded ones." }),
      })
      .meta({ description: "The pipeline's last N finished runs." }),
    sparkline: z.array(z.number()).meta({ description: "Headline metric of the latest runs, oldest first." }),
  })
  .meta({ id: "PipelineSummary" });
export type PipelineSummary = z.infer<typeof PipelineSummary>;

export const PipelinePage = z
  .object({
    pipelines: z.array(PipelineSummary),
    total: z.number().int().meta({ description: "Pipelines matching the filters (all pages)." }),
    nextCursor: z.string().nullable(),
    prevCursor: z.string().nullable(),
  })
  .meta({ id: "PipelinePage" });
export type PipelinePage = z.infer<typeof PipelinePage>;

// ───────────────────────────── runs of a pipeline ─────────────────────────────

export const PipelineIdParams = z.object({
  pipelineId: z.coerce.number().int().min(1).max(2_147_483_647),
});

export const RunListQuery = z.object({
  status: z.preprocess(commaList, z.array(RunStatus).max(6).optional()).meta({
    description: "Comma-separated statuses.",
  }),
  q: z
    .preprocess(
      blank,
      z
        .string()
        .trim()
        .max(SEARCH_LIMITS.length)
        .superRefine((q, ctx) => {
          try {
            parseSearch(q);
          } catch (error) {
            if (!(error instanceof SearchSyntaxError)) throw error;
            ctx.addIssue({ code: "custom", message: error.message, params: { position: error.position } });
          }
        })
        .optional(),
    )
    .meta({
      description:
        "Search (README: Searching runs): `input.<json.path> <op> <value>` and `hp.<name> <op> <value>` with " +
        "`=`, `!=`, `~` (contains), `<`, `<=`, `>`, `>=`, `exists`, `!exists`, combined with AND / OR and " +
        "parentheses; a bare word or quoted text matches the run's name or public id.",
      example: "input.dataset.train ~ 2026-11 AND hp.learning_rate >= 0.01",
    }),
  from: instant.meta({ description: "Runs started at or after this instant." }),
  to: instant.meta({ description: "Runs started before this instant." }),
  sort: z.preprocess(blank, z.enum(RUN_SORTS).default("newest")),
  cursor: cursor.meta({ description: "`nextCursor` / `prevCursor` of a previous page." }),
  limit: limit(50, 200),
  metrics: z.preprocess(commaList, z.array(z.string().max(200)).max(8).optional()).meta({
    description: "Run-level metrics to include per run (default: the headline metric and up to 3 more).",
  }),
  include: z.preprocess(blank, z.enum(["hyperparameters"]).optional()).meta({
    description:
      "`hyperparameters`: each run also lists its training jobs' hyperparameters (with `format=csv`: one column per hyperparameter).",
  }),
});
export type RunListQuery = z.infer<typeof RunListQuery>;

export const RunRow = z
  .object({
    id: z.string().meta({
      description: "The run's public id: the `{runId}` of `/api/v1/runs/{runId}` and of `/runs/<id>` pages.",
      example: "k3v9x2mq7rd4",
    }),
    publicId: z.string().meta({ description: "The same value as `id` (kept for older clients)." }),
    name: z.string(),
    status: RunStatus,
    startedAt: z.iso.datetime(),
    stoppedAt: z.iso.datetime().nullable(),
    durationMs: z.number().nullable().meta({ description: "null while running" }),
    trigger: z.string().nullable().meta({ description: "`trigger` of the execution input, or `redrive`." }),
    redriveCount: z.number().int(),
    revisionId: z.number().int().nullable(),
    metrics: z.record(z.string(), z.number()).meta({ description: "Run-level final metrics (requested columns)." }),
    hyperparameters: z.record(z.string(), z.string()).optional().meta({
      description:
        "With `include=hyperparameters`: the run's training jobs' hyperparameters (the last job's value wins).",
    }),
    modelVersion: z
      .object({ modelId: z.number().int(), modelName: z.string(), version: z.number().int(), approval: z.string() })
      .nullable(),
  })
  .meta({ id: "RunRow" });
export type RunRow = z.infer<typeof RunRow>;

export const RunPage = z
  .object({
    runs: z.array(RunRow),
    metricColumns: z.array(z.string()),
    count: z
      .object({ value: z.number().int(), bounded: z.boolean() })
      .meta({ description: "Runs matching the filters, counted up to a bound (`bounded`: there are more)." }),
    nextCursor: z.string().nullable(),
    prevCursor: z.string().nullable(),
  })
  .meta({ id: "RunPage" });
export type RunPage = z.infer<typeof RunPage>;

// ───────────────────────────── metric series ─────────────────────────────

/** The from/to a series range may take: run numbers are int4; times between the years 1 and 9999 (UTC). */
const RUN_NUMBER_RANGE = [-2_147_483_648, 2_147_483_647] as const;
const EPOCH_MS_RANGE = [-62_135_596_800_000, 253_402_300_799_999] as const; // 0001-01-01 … 9999-12-31T23:59:59.999Z

export const MetricSeriesQuery = z
  .object({
    names: z.preprocess(commaList, z.array(z.string().max(200)).min(1).max(6).optional()).meta({
      description:
        "Comma-separated metric names (run-level final metrics), e.g. `validation:auc,validation:loss`. " +
        "Default: the pipeline's headline metric.",
      example: "validation:auc",
    }),
    width: z
      .preprocess(blank, z.coerce.number().int().min(16).max(4000).default(800))
      .meta({ description: "Pixel width the series is drawn at: at most `width` points per metric are returned." }),
    x: z.preprocess(blank, z.enum(X_AXES).default("time")),
    from: z.preprocess(blank, z.string().max(40).optional()).meta({
      description: "Start of the range: an ISO date-time (x=time) or a run number (x=number).",
    }),
    to: z.preprocess(blank, z.string().max(40).optional()).meta({ description: "End of the range (inclusive)." }),
    window: z
      .preprocess(blank, z.coerce.number().int().min(2).max(200).default(10))
      .meta({ description: "Runs in the trailing baseline." }),
    threshold: z
      .preprocess(blank, z.coerce.number().min(0.1).max(100).default(3))
      .meta({ description: "Percent worse than the trailing baseline that marks a regression." }),
  })
  .transform((query, ctx) => {
    const parse = (raw: string | undefined, key: "from" | "to"): number | null => {
      if (raw === undefined) return null;
      const value = query.x === "number" ? Number(raw) : /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
      // Bounded so the statement's timestamp and bigint arithmetic cannot overflow (a 500 once).
      const [min, max] = query.x === "number" ? RUN_NUMBER_RANGE : EPOCH_MS_RANGE;
      if (!(value >= min && value <= max) || (query.x === "number" && !Number.isInteger(value))) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message:
            query.x === "number"
              ? "a run number (an integer within ±2,147,483,647)"
              : "an ISO 8601 date-time or epoch milliseconds, between the years 1 and 9999",
        });
        return null;
      }
      return value;
    };
    const from = parse(query.from, "from");
    const to = parse(query.to, "to");
    if (from !== null && to !== null && from > to)
      ctx.addIssue({ code: "custom", path: ["from"], message: "after to" });
    // No names: the pipeline's headline metric, resolved by getMetricSeries (an empty list says so).
    return { ...query, names: [...new Set(query.names ?? [])], from, to };
  });
export type MetricSeriesQuery = z.output<typeof MetricSeriesQuery>;

const Direction = z.enum(["higher", "lower"]).meta({ description: "Which way is better." });

export const MetricSeries = z
  .object({
    pipelineId: z.number().int(),
    x: z.enum(X_AXES),
    width: z.number().int(),
    domain: z
      .tuple([z.number(), z.number()])
      .nullable()
      .meta({ description: "x range of the data: epoch ms (x=time) or run numbers (x=number); null when empty." }),
    window: z.number().int(),
    threshold: z.number(),
    runs: z
      .object({
        publicId: z.array(z.string()),
        name: z.array(z.string()),
        status: z.array(RunStatus),
        startedAt: z.array(z.number()).meta({ description: "epoch ms" }),
        number: z
          .array(z.number().int())
          .nullable()
          .meta({ description: "Run numbers (x=number); null on the time axis." }),
      })
      .meta({
        description:
          "The runs the points and marks refer to (by index), as columns: run i is publicId[i], name[i], … " +
          "(thousands of runs at 100k: columns send each field name once).",
      }),
    series: z.array(
      z.object({
        name: z.string(),
        direction: Direction,
        count: z.number().int().meta({ description: "Runs with this metric in the range (before downsampling)." }),
        x: z.array(z.number()),
        y: z.array(z.number()).meta({
          description:
            "The metric's value at each point, to 7 significant digits, as are `previous`, `baseline` and the " +
            "regressions' values (SageMaker reports final metrics as 32-bit floats; a run's own answer has them exact).",
        }),
        run: z.array(z.number().int()).meta({ description: "Index into `runs` of each point." }),
        previous: z
          .array(z.number().nullable())
          .meta({ description: "Value of the same metric in the previous run that has it." }),
        baseline: z.array(z.number().nullable()).meta({ description: "Mean of the `window` previous runs' values." }),
        regressions: z
          .object({
            x: z.array(z.number()),
            y: z.array(z.number()),
            run: z.array(z.number().int()),
            baseline: z.array(z.number()),
          })
          .meta({
            description: "Worst regression per pixel bucket, beyond `threshold` % of the baseline, as columns.",
          }),
      }),
    ),
    failed: z
      .array(z.object({ x: z.number(), run: z.number().int(), count: z.number().int() }))
      .meta({ description: "Failed / timed-out / aborted runs, one mark per pixel bucket." }),
    definitionChanges: z
      .array(z.object({ x: z.number(), run: z.number().int(), revisionId: z.number().int() }))
      .meta({ description: "First run of each new definition revision." }),
  })
  .meta({ id: "MetricSeries" });
export type MetricSeries = z.infer<typeof MetricSeries>;

export const TrainingCurvesQuery = z.object({
  metric: optionalText(200).meta({ description: "Metric of the per-epoch series (default: the headline metric)." }),
  runs: limit(8, 30).meta({ description: "How many of the latest runs with a series to overlay." }),
});

export const TrainingCurves = z
  .object({
    metric: z.string().nullable(),
    metrics: z.array(z.string()).meta({ description: "Metrics that have per-epoch series in these runs." }),
    curves: z.array(
      z.object({
        publicId: z.string(),
        runName: z.string(),
        job: z.string(),
        startedAt: z.iso.datetime(),
        steps: z.array(z.number().int()),
        values: z.array(z.number()),
      }),
    ),
  })
  .meta({ id: "TrainingCurves" });
export type TrainingCurves = z.infer<typeof TrainingCurves>;

// ───────────────────────────── page state (URL) ─────────────────────────────

/** Run selection for comparison, in the URL as `?runs=a,b,c` (public ids). */
export const CompareSelection = z.preprocess(
  commaList,
  z
    .array(
      z
        .string()
        .max(64)
        .regex(/^[A-Za-z0-9_-]+$/),
    )
    .max(MAX_COMPARE)
    .default([]),
);
