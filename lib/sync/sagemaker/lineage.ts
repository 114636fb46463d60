/**
 * Lineage hints of a model package, read from what DescribeModelPackage returns. Pure, so the rules
 * are unit-tested. Rules, in order of trust:
 *
 * package → training job
 *   1. a CustomerMetadataProperties entry naming the training job ("stepwise:training-job" as the demo
 *      pipelines and our DSL write it, or any key ending in training-job / TrainingJobName); values
 *      with a wildcard ("<run>-*", a model trained by many Map jobs) name no single job;
 *   2. a training-job ARN anywhere in CustomerMetadataProperties / MetadataProperties (GeneratedBy);
 *   3. an InferenceSpecification container's ModelDataUrl equal to a job's ModelArtifacts.S3ModelArtifacts;
 *   4. the job name in a SageMaker default artifact path ".../<job>/output/model.tar.gz".
 * package → run
 *   the training job's run; else the Step Functions execution ARN in CustomerMetadataProperties
 *   ("stepwise:execution-arn", or any value that is an execution ARN) or MetadataProperties.
 */
import type { JsonValue } from "./describe-job";

export type LineageHints = { jobNames: string[]; artifactUris: string[]; executionArns: string[] };

type PackageLike = {
  customerMetadata: Record<string, string>;
  metadataProperties: Record<string, string>;
  modelDataUrls: string[];
};

const JOB_KEY = /(^|[:_\-.])(training[-_]?job([-_]?name)?|trainingjobname)$/i;
const TRAINING_ARN = /^arn:aws[\w-]*:sagemaker:[^:]*:[^:]*:training-job\/(.+)$/;
const EXECUTION_ARN = /^arn:aws[\w-]*:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/;
const DEFAULT_ARTIFACT = /\/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})\/output\/model\.tar\.gz$/;

export function lineageHints(p: PackageLike): LineageHints {
  const jobNames: string[] = [];
  const executionArns: string[] = [];
  for (const [key, value] of Object.entries(p.customerMetadata)) {
    const v = value.trim();
    if (JOB_KEY.test(key) && v && !v.includes("*") && !v.startsWith("arn:")) jobNames.push(v);
  }
  for (const value of [...Object.values(p.customerMetadata), ...Object.values(p.metadataProperties)]) {
    const v = value.trim();
    const arn = TRAINING_ARN.exec(v);
    if (arn?.[1]) jobNames.push(arn[1]);
    if (EXECUTION_ARN.test(v)) executionArns.push(v);
  }
  const artifactUris = p.modelDataUrls.filter((u) => u.startsWith("s3://"));
  for (const uri of artifactUris) {
    const name = DEFAULT_ARTIFACT.exec(uri)?.[1];
    if (name) jobNames.push(name);
  }
  return {
    jobNames: [...new Set(jobNames)],
    artifactUris: [...new Set(artifactUris)],
    executionArns: [...new Set(executionArns)],
  };
}

/** The `metrics` JSON stored on model_version, read back for lineage without another AWS call. */
export function packageFromStored(metrics: JsonValue, artifactUri: string | null): PackageLike {
  const record = (v: JsonValue | undefined): Record<string, string> => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"));
  };
  const m = metrics && typeof metrics === "object" && !Array.isArray(metrics) ? metrics : {};
  return {
    customerMetadata: record(m.CustomerMetadataProperties),
    metadataProperties: record(m.MetadataProperties),
    modelDataUrls: artifactUri ? [artifactUri] : [],
  };
}
