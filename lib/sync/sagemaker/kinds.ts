/**
 * Pure helpers: which SageMaker job a Step Functions step started (kind from the task resource, name
 * from the step's job name or ARN), and which statuses are final.
 */

export type JobKind = "TRAINING" | "PROCESSING" | "TRANSFORM" | "TUNING";

/** Statuses after which a job never changes again (AWS: Completed | Failed | Stopped). */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["Completed", "Failed", "Stopped"]);
/** Statuses that `pollRunningJobs` re-describes. */
export const RUNNING_STATUSES = ["InProgress", "Stopping"] as const;

const RESOURCE_KIND: [RegExp, JobKind][] = [
  [/createTrainingJob/i, "TRAINING"],
  [/createProcessingJob/i, "PROCESSING"],
  [/createTransformJob/i, "TRANSFORM"],
  [/createHyperParameterTuningJob/i, "TUNING"],
];

/**
 * Job kind from a step's resource, in any of the shapes Step Functions reports it:
 * "arn:aws:states:::sagemaker:createTrainingJob.sync", "createTrainingJob.sync", "createTrainingJob".
 */
export function jobKindFromResource(resource: string | null | undefined): JobKind | null {
  if (!resource) return null;
  for (const [pattern, kind] of RESOURCE_KIND) if (pattern.test(resource)) return kind;
  return null;
}

const ARN_KIND: Record<string, JobKind> = {
  "training-job": "TRAINING",
  "processing-job": "PROCESSING",
  "transform-job": "TRANSFORM",
  "hyper-parameter-tuning-job": "TUNING",
};

/** "arn:aws:sagemaker:eu-west-1:123:training-job/name" → { kind: TRAINING, name }. */
export function parseJobArn(arn: string | null | undefined): { kind: JobKind; name: string } | null {
  const match = arn ? /^arn:aws[\w-]*:sagemaker:[^:]*:[^:]*:([a-z-]+)\/(.+)$/.exec(arn) : null;
  const kind = match?.[1] ? ARN_KIND[match[1]] : undefined;
  const name = match?.[2];
  return kind && name ? { kind, name } : null;
}

/**
 * The job a step started, or null when the step is not a SageMaker job step. The step's job name wins
 * over the ARN because AWS lower-cases names inside ARNs, and Describe*Job is case-sensitive.
 */
export function jobOfStep(step: {
  jobName: string | null;
  jobArn: string | null;
  resource: string | null;
}): { kind: JobKind; name: string } | null {
  const fromArn = parseJobArn(step.jobArn);
  const kind = jobKindFromResource(step.resource) ?? fromArn?.kind ?? null;
  const name = step.jobName?.trim() || fromArn?.name || null;
  return kind && name ? { kind, name } : null;
}
