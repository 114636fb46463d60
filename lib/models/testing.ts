/**
 * Seeds a model with its whole lineage straight into Postgres (pipeline with a quality gate → runs →
 * training jobs with input channels, curves and metrics → model package group → versions), for the
 * models tests. Random names, so test files sharing one database never collide. Not used by the product.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import { sql } from "@/lib/db";
import { type SeededPipeline, seedPipeline, seedRun, seedTrainingJob } from "@/lib/runs/testing";

/** The quality gate's condition: the evaluation's headline metric is high enough and it passed. */
const GATE_PASSES = [
  { Variable: "$.evaluation.metrics.headline", NumericGreaterThanEquals: 0.6 },
  { Variable: "$.evaluation.passed", BooleanEquals: true },
];

export const QUALITY_GATE_DEFINITION = {
  StartAt: "Train",
  States: {
    Train: { Type: "Task", Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync", Next: "Gate" },
    Gate: { Type: "Choice", Choices: [{ And: GATE_PASSES, Next: "Register" }], Default: "Done" },
    Register: { Type: "Pass", Next: "Done" },
    Done: { Type: "Succeed" },
  },
};

export type SeededVersion = { version: number; versionId: number; runPublicId: string; jobName: string };
export type SeededModel = {
  pipeline: SeededPipeline;
  modelId: number;
  name: string;
  teamId: number;
  teamSlug: string;
  versions: SeededVersion[];
};

export async function seedModel(
  options: {
    teamSlug?: string;
    /** validation:auc of each version, oldest first. */
    values?: number[];
    approvals?: ("APPROVED" | "PENDING_MANUAL_APPROVAL" | "REJECTED")[];
  } = {},
): Promise<SeededModel> {
  const pipeline = await seedPipeline({ definition: QUALITY_GATE_DEFINITION, teamSlug: options.teamSlug });
  await sql("UPDATE pipeline SET headline_metric = 'validation:auc' WHERE id = $1", [pipeline.pipelineId]);
  const name = `model-${randomBytes(4).toString("hex")}`;
  const [group] = await sql<{ id: number }>(
    `INSERT INTO model_group (source_id, name, arn, description, pipeline_id, team_id, updated_at)
     VALUES ($1, $2, $3, 'Predicts whether an order is returned', $4, $5, now()) RETURNING id`,
    [
      pipeline.sourceId,
      name,
      `arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/${name}`,
      pipeline.pipelineId,
      pipeline.teamId,
    ],
  );
  const modelId = group?.id ?? 0;
  const values = options.values ?? [0.62, 0.66, 0.71];
  const versions: SeededVersion[] = [];
  for (const [i, value] of values.entries()) {
    const run = await seedRun(pipeline, {
      startedAt: new Date(Date.now() - (values.length - i) * 86_400_000),
      steps: [{ key: "Train", stateName: "Train", enteredAt: new Date(Date.now() - 3_600_000) }],
    });
    const job = await seedTrainingJob(pipeline, run, "Train", { epochs: 4 });
    await sql(`UPDATE sagemaker_job SET algorithm_image = $2, inputs = $3::jsonb WHERE id = $1`, [
      job.jobId,
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/returns-train:2.1.0",
      JSON.stringify([
        {
          ChannelName: "train",
          DataSource: { S3DataSource: { S3Uri: `s3://bucket/${name}/train/`, S3DataType: "S3Prefix" } },
        },
        {
          ChannelName: "validation",
          ContentType: "text/csv",
          DataSource: { S3DataSource: { S3Uri: `s3://bucket/${name}/validation/`, S3DataType: "S3Prefix" } },
        },
      ]),
    ]);
    await sql(
      `INSERT INTO run_metric (pipeline_id, run_id, scope, name, value, run_started_at)
       VALUES ($1, $2, 'run', 'validation:auc', $3, now()), ($1, $2, 'run', 'train:loss', $4, now())`,
      [pipeline.pipelineId, run.id, value, 1 - value],
    );
    const version = i + 1;
    const [row] = await sql<{ id: number }>(
      `INSERT INTO model_version (model_id, version, arn, approval_status, run_id, job_id, artifact_uri, image, metrics,
                                  aws_created_at, updated_at)
       VALUES ($1, $2, $3, $4::"ApprovalStatus", $5, $6, $7, 'inference:1', $8::jsonb, now(), now()) RETURNING id`,
      [
        modelId,
        version,
        `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${name}/${version}`,
        options.approvals?.[i] ?? "APPROVED",
        run.id,
        job.jobId,
        `s3://bucket/${job.name}/output/model.tar.gz`,
        JSON.stringify({
          ModelMetrics: { ModelQuality: { Statistics: { S3Uri: `s3://bucket/eval/${version}.json` } } },
          CustomerMetadataProperties: {
            "validation:auc": value.toFixed(5),
            "stepwise:headline-metric": "validation:auc",
            "stepwise:training-job": job.name,
          },
        }),
      ],
    );
    versions.push({ version, versionId: row?.id ?? 0, runPublicId: run.publicId, jobName: job.name });
  }
  return { pipeline, modelId, name, teamId: pipeline.teamId, teamSlug: pipeline.teamSlug, versions };
}

/** A card imported from SageMaker as revision 1 (what lib/sync/sagemaker/model-cards.ts writes). */
export async function seedImportedCard(versionId: number, content: Record<string, unknown>): Promise<number> {
  const [card] = await sql<{ id: number }>(
    `INSERT INTO model_card (model_version_id, status, imported_from, latest_revision, updated_at)
     VALUES ($1, 'DRAFT', 'arn:aws:sagemaker:eu-west-1:123456789012:model-card/x', 1, now()) RETURNING id`,
    [versionId],
  );
  await sql(
    `INSERT INTO model_card_revision (card_id, revision, status, content, note)
     VALUES ($1, 1, 'DRAFT', $2::jsonb, 'Imported from SageMaker model card x version 1')`,
    [card?.id, JSON.stringify(content)],
  );
  return card?.id ?? 0;
}
