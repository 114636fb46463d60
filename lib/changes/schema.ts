/**
 * "What changed since the last good run": the zod schema of GET /api/v1/runs/{runId}/changes, shared by the
 * route handler, the OpenAPI document, the run page's panel and the alerts that quote the top changes.
 * Free of server imports.
 */
import { z } from "zod";
import { RunStatus } from "@/lib/runs/schema";

const isoTime = z.string().meta({ description: "ISO 8601 UTC timestamp" });

export const ChangesRun = z.object({
  publicId: z.string(),
  name: z.string(),
  status: RunStatus,
  startedAt: isoTime,
  stoppedAt: isoTime.nullable(),
  revisionId: z.number().int().nullable().meta({ description: "Definition revision the run executed." }),
  costUsd: z
    .number()
    .nullable()
    .meta({ description: "Approximate SageMaker cost (on-demand list price × instances × billable time)." }),
});
export type ChangesRun = z.infer<typeof ChangesRun>;

export const ValueChange = z.object({
  key: z.string().meta({ description: "What changed: a JSON path of the input, a hyperparameter, a setting." }),
  step: z
    .string()
    .nullable()
    .meta({ description: "The step (key without its attempt suffix) whose SageMaker job this belongs to." }),
  kind: z.enum(["added", "removed", "changed"]),
  before: z.string().nullable(),
  after: z.string().nullable(),
});
export type ValueChange = z.infer<typeof ValueChange>;

export const StepDurationChange = z.object({
  key: z.string(),
  beforeMs: z.number().nullable(),
  afterMs: z.number().nullable(),
  deltaMs: z.number().nullable().meta({ description: "afterMs − beforeMs; null when the step ran in one run only." }),
});
export type StepDurationChange = z.infer<typeof StepDurationChange>;

export const MetricChange = z.object({
  name: z.string(),
  direction: z.enum(["higher", "lower"]),
  value: z.number().nullable().meta({ description: "This run's value." }),
  baselineRunValue: z.number().nullable().meta({ description: "The last good run's value." }),
  trailingBaseline: z
    .number()
    .nullable()
    .meta({ description: "Mean of the previous ≤ 10 values: the metric graph's baseline band." }),
  regressed: z
    .boolean()
    .meta({ description: "Worse than the trailing baseline by more than the graph's threshold (its ▼ marker)." }),
});
export type MetricChange = z.infer<typeof MetricChange>;

export const GhostStep = z.object({
  key: z.string(),
  offsetMs: z.number().meta({ description: "Entered this long after the baseline run started." }),
  durationMs: z.number().nullable(),
});

export const RunChanges = z
  .object({
    run: ChangesRun,
    baseline: ChangesRun.nullable().meta({
      description:
        "The pipeline's most recent successful run before this one whose metrics did not regress; null when there is none.",
    }),
    note: z.string().nullable().meta({ description: "Why there is no baseline, in plain words." }),
    thresholdPercent: z.number().meta({ description: "Regression threshold (% of the trailing baseline)." }),
    definition: z.object({
      changed: z.boolean(),
      before: z.number().int().nullable(),
      after: z.number().int().nullable(),
    }),
    input: z.array(ValueChange).meta({ description: "JSON diff of the execution input, by path." }),
    hyperParameters: z.array(ValueChange),
    images: z.array(ValueChange).meta({ description: "Training / processing image of each job." }),
    instances: z.array(ValueChange).meta({ description: "Instance type and count of each job." }),
    dataLocations: z.array(ValueChange).meta({ description: "Input channels (S3 URIs) of each job." }),
    steps: z.array(StepDurationChange).meta({ description: "Step durations, the largest changes first." }),
    cost: z.object({ before: z.number().nullable(), after: z.number().nullable(), delta: z.number().nullable() }),
    metrics: z.array(MetricChange),
    baselineSteps: z
      .array(GhostStep)
      .meta({ description: "The baseline run's steps on its own time axis (the timeline's ghost bars)." }),
    summary: z.array(z.string()).meta({ description: "The top changes in words, most telling first." }),
  })
  .meta({ id: "RunChanges" });
export type RunChanges = z.infer<typeof RunChanges>;
