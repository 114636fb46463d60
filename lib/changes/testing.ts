/**
 * Fixtures of lib/changes (and of the alerts that quote it): runs with SageMaker jobs and run-level metrics
 * whose trailing baselines the rollup triggers compute, seeded straight into Postgres on top of
 * lib/runs/test-seed.ts. Random names, so test files sharing one database never collide.
 */
import "server-only";
import { sql } from "@/lib/db";
import type { SeededPipeline, SeededRun } from "@/lib/runs/testing";

export type SeededJob = {
  stepKey: string;
  kind?: "TRAINING" | "PROCESSING" | "TRANSFORM";
  hyperParameters?: Record<string, string>;
  image?: string | null;
  instanceType?: string | null;
  instanceCount?: number | null;
  inputs?: unknown;
  billableSeconds?: number | null;
};

/** A SageMaker job linked to the step `stepKey` of the run. */
export async function seedJob(pipeline: SeededPipeline, run: SeededRun, job: SeededJob): Promise<number> {
  const name = `${run.name}-${job.stepKey.replace(/[^A-Za-z0-9-]/g, "-")}`.slice(0, 63);
  const [row] = await sql<{ id: number }>(
    `INSERT INTO sagemaker_job (source_id, kind, name, arn, run_id, step_id, status, hyper_parameters, algorithm_image,
                                instance_type, instance_count, inputs, billable_seconds)
     SELECT $1, $2::"JobKind", $3, $4, $5, (SELECT s.id FROM step s WHERE s.run_id = $5 AND s.key = $6), 'Completed',
            $7::jsonb, $8, $9, $10, $11::jsonb, $12
     RETURNING id`,
    [
      pipeline.sourceId,
      job.kind ?? "TRAINING",
      name,
      `arn:aws:sagemaker:eu-west-1:123456789012:training-job/${name}`,
      run.id,
      job.stepKey,
      JSON.stringify(job.hyperParameters ?? {}),
      job.image ?? null,
      job.instanceType ?? null,
      job.instanceCount ?? null,
      JSON.stringify(job.inputs ?? []),
      job.billableSeconds ?? null,
    ],
  );
  return row?.id ?? 0;
}

/** Run-level final metrics of a run (scope 'run', at the run's start, as the sync stores them). */
export async function seedRunMetrics(
  pipeline: SeededPipeline,
  run: SeededRun,
  metrics: Record<string, number>,
): Promise<void> {
  const names = Object.keys(metrics);
  await sql(
    `INSERT INTO run_metric (pipeline_id, run_id, scope, name, value, run_started_at)
     SELECT $1, r.id, 'run', n, v, r.started_at FROM run r, unnest($3::text[], $4::float8[]) AS x(n, v) WHERE r.id = $2`,
    [pipeline.pipelineId, run.id, names, names.map((n) => metrics[n])],
  );
}

/** SageMaker input channels as DescribeTrainingJob returns them. */
export const channels = (uris: Record<string, string>) =>
  Object.entries(uris).map(([ChannelName, S3Uri]) => ({
    ChannelName,
    DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri } },
  }));
