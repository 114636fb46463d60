/**
 * Describe*Job → the row we store (`JobSnapshot`). The mapping functions are pure so the shape of a
 * stored job is tested without AWS; `describeJob` is the only part that calls SageMaker.
 *
 * What goes where, per kind:
 * - TRAINING: hyper_parameters = HyperParameters, algorithm_image = AlgorithmSpecification.TrainingImage
 *   (or the algorithm name), instance = ResourceConfig, inputs = InputDataConfig (channels),
 *   outputs = OutputDataConfig, artifact_uri = ModelArtifacts.S3ModelArtifacts, billable_seconds =
 *   BillableTimeInSeconds, final metrics = FinalMetricDataList, series names = MetricDefinitions.
 * - PROCESSING: algorithm_image = AppSpecification.ImageUri, instance = ProcessingResources.ClusterConfig,
 *   hyper_parameters = Environment,
 *   inputs = ProcessingInputs, outputs = ProcessingOutputConfig.
 * - TRANSFORM: inputs = [TransformInput], outputs = TransformOutput, instance = TransformResources,
 *   hyper_parameters = Environment (the only per-job parameters a transform has).
 * - TUNING: objective_metric = "<Type> <MetricName>", hyper_parameters = the training definition's static
 *   hyperparameters plus ParameterRanges, the best training job's objective value as its final metric.
 */
import {
  DescribeHyperParameterTuningJobCommand,
  type DescribeHyperParameterTuningJobResponse,
  DescribeProcessingJobCommand,
  type DescribeProcessingJobResponse,
  DescribeTrainingJobCommand,
  type DescribeTrainingJobResponse,
  DescribeTransformJobCommand,
  type DescribeTransformJobResponse,
} from "@aws-sdk/client-sagemaker";
import type { SyncContext } from "../context";
import type { JobKind } from "./kinds";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JobSnapshot = {
  kind: JobKind;
  name: string;
  arn: string;
  status: string;
  secondaryStatus: string | null;
  statusTransitions: JsonValue;
  failureReason: string | null;
  hyperParameters: JsonValue;
  algorithmImage: string | null;
  objectiveMetric: string | null;
  instanceType: string | null;
  instanceCount: number | null;
  volumeSizeGb: number | null;
  inputs: JsonValue;
  outputs: JsonValue;
  artifactUri: string | null;
  billableSeconds: number | null;
  jobCreatedAt: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
  /** Metric names whose per-epoch series CloudWatch holds (training jobs only). */
  seriesNames: string[];
  finalMetrics: { name: string; value: number }[];
};

/** SDK output → plain JSON (Dates become ISO strings, undefined members vanish), as stored in jsonb. */
export function toJson(value: unknown, fallback: JsonValue): JsonValue {
  if (value === undefined || value === null) return fallback;
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);
const int = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? Math.round(v) : null);
const date = (v: unknown): Date | null => (v instanceof Date && !Number.isNaN(v.getTime()) ? v : null);

function finalMetrics(list: { MetricName?: string; Value?: number }[] | undefined): JobSnapshot["finalMetrics"] {
  const out: JobSnapshot["finalMetrics"] = [];
  const seen = new Set<string>();
  for (const m of list ?? []) {
    // A metric without a name or with a non-finite value cannot be plotted; AWS should never send one.
    if (!m.MetricName || typeof m.Value !== "number" || !Number.isFinite(m.Value) || seen.has(m.MetricName)) continue;
    seen.add(m.MetricName);
    out.push({ name: m.MetricName, value: m.Value });
  }
  return out;
}

function required(kind: JobKind, name: string | undefined, arn: string | undefined, status: string | undefined) {
  if (!name || !arn || !status) throw new Error(`Describe ${kind} job returned no name, ARN or status`);
  return { name, arn, status };
}

export function snapshotFromTraining(d: DescribeTrainingJobResponse): JobSnapshot {
  const id = required("TRAINING", d.TrainingJobName, d.TrainingJobArn, d.TrainingJobStatus);
  const algo = d.AlgorithmSpecification;
  return {
    kind: "TRAINING",
    ...id,
    secondaryStatus: text(d.SecondaryStatus),
    statusTransitions: toJson(d.SecondaryStatusTransitions, []),
    failureReason: text(d.FailureReason),
    hyperParameters: toJson(d.HyperParameters, {}),
    algorithmImage: text(algo?.TrainingImage) ?? text(algo?.AlgorithmName),
    objectiveMetric: null,
    instanceType: text(d.ResourceConfig?.InstanceType),
    instanceCount: int(d.ResourceConfig?.InstanceCount),
    volumeSizeGb: int(d.ResourceConfig?.VolumeSizeInGB),
    inputs: toJson(d.InputDataConfig, []),
    outputs: toJson(d.OutputDataConfig, {}),
    artifactUri: text(d.ModelArtifacts?.S3ModelArtifacts),
    billableSeconds: int(d.BillableTimeInSeconds),
    jobCreatedAt: date(d.CreationTime),
    startedAt: date(d.TrainingStartTime),
    endedAt: date(d.TrainingEndTime),
    seriesNames: [...new Set((algo?.MetricDefinitions ?? []).map((m) => m.Name).filter((n): n is string => !!n))],
    finalMetrics: finalMetrics(d.FinalMetricDataList),
  };
}

export function snapshotFromProcessing(d: DescribeProcessingJobResponse): JobSnapshot {
  const id = required("PROCESSING", d.ProcessingJobName, d.ProcessingJobArn, d.ProcessingJobStatus);
  const cluster = d.ProcessingResources?.ClusterConfig;
  return {
    kind: "PROCESSING",
    ...id,
    secondaryStatus: null,
    statusTransitions: [],
    failureReason: text(d.FailureReason) ?? (id.status === "Failed" ? text(d.ExitMessage) : null),
    hyperParameters: toJson(d.Environment, {}),
    algorithmImage: text(d.AppSpecification?.ImageUri),
    objectiveMetric: null,
    instanceType: text(cluster?.InstanceType),
    instanceCount: int(cluster?.InstanceCount),
    volumeSizeGb: int(cluster?.VolumeSizeInGB),
    inputs: toJson(d.ProcessingInputs, []),
    outputs: toJson(d.ProcessingOutputConfig, {}),
    artifactUri: null,
    billableSeconds: null,
    jobCreatedAt: date(d.CreationTime),
    startedAt: date(d.ProcessingStartTime),
    endedAt: date(d.ProcessingEndTime),
    seriesNames: [],
    finalMetrics: [],
  };
}

export function snapshotFromTransform(d: DescribeTransformJobResponse): JobSnapshot {
  const id = required("TRANSFORM", d.TransformJobName, d.TransformJobArn, d.TransformJobStatus);
  return {
    kind: "TRANSFORM",
    ...id,
    secondaryStatus: null,
    statusTransitions: [],
    failureReason: text(d.FailureReason),
    hyperParameters: toJson(d.Environment, {}),
    algorithmImage: null,
    objectiveMetric: null,
    instanceType: text(d.TransformResources?.InstanceType),
    instanceCount: int(d.TransformResources?.InstanceCount),
    volumeSizeGb: null,
    inputs: toJson(d.TransformInput ? [d.TransformInput] : undefined, []),
    outputs: toJson(d.TransformOutput, {}),
    artifactUri: null,
    billableSeconds: null,
    jobCreatedAt: date(d.CreationTime),
    startedAt: date(d.TransformStartTime),
    endedAt: date(d.TransformEndTime),
    seriesNames: [],
    finalMetrics: [],
  };
}

export function snapshotFromTuning(d: DescribeHyperParameterTuningJobResponse): JobSnapshot {
  const id = required(
    "TUNING",
    d.HyperParameterTuningJobName,
    d.HyperParameterTuningJobArn,
    d.HyperParameterTuningJobStatus,
  );
  const objective = d.HyperParameterTuningJobConfig?.HyperParameterTuningJobObjective;
  const definition = d.TrainingJobDefinition;
  const best = d.BestTrainingJob?.FinalHyperParameterTuningJobObjectiveMetric;
  return {
    kind: "TUNING",
    ...id,
    secondaryStatus: null,
    statusTransitions: [],
    failureReason: text(d.FailureReason),
    hyperParameters: toJson(
      {
        static: definition?.StaticHyperParameters ?? {},
        ranges: d.HyperParameterTuningJobConfig?.ParameterRanges ?? {},
        best: d.BestTrainingJob?.TunedHyperParameters,
      },
      {},
    ),
    algorithmImage: text(definition?.AlgorithmSpecification?.TrainingImage),
    objectiveMetric: objective?.MetricName
      ? `${objective.Type ? `${objective.Type} ` : ""}${objective.MetricName}`
      : null,
    instanceType: text(definition?.ResourceConfig?.InstanceType),
    instanceCount: int(definition?.ResourceConfig?.InstanceCount),
    volumeSizeGb: int(definition?.ResourceConfig?.VolumeSizeInGB),
    inputs: toJson(definition?.InputDataConfig, []),
    outputs: toJson(definition?.OutputDataConfig, {}),
    artifactUri: null,
    billableSeconds: null,
    jobCreatedAt: date(d.CreationTime),
    startedAt: date(d.CreationTime),
    endedAt: date(d.HyperParameterTuningEndTime),
    seriesNames: [],
    finalMetrics: finalMetrics(best?.MetricName ? [{ MetricName: best.MetricName, Value: best.Value }] : []),
  };
}

/** One Describe*Job call through the source's SageMaker client. Throws what the SDK throws. */
export async function describeJob(ctx: SyncContext, kind: JobKind, name: string): Promise<JobSnapshot> {
  const options = { abortSignal: ctx.signal };
  const sm = ctx.clients.sagemaker;
  switch (kind) {
    case "TRAINING":
      return snapshotFromTraining(await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }), options));
    case "PROCESSING":
      return snapshotFromProcessing(
        await sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }), options),
      );
    case "TRANSFORM":
      return snapshotFromTransform(await sm.send(new DescribeTransformJobCommand({ TransformJobName: name }), options));
    case "TUNING":
      return snapshotFromTuning(
        await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }), options),
      );
  }
}
