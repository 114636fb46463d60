/**
 * The card generated from seeded lineage (real Postgres): every factual section fills itself from the
 * pipeline, run, training job and model version, and the narrative comes from the latest revision or,
 * for a version without a card yet, from the newest earlier version's card.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "@/lib/db";
import { inferProblemType, qualityGates, sliceLabel } from "./card-content";
import { getModel, getModelCard, listModels } from "./queries";
import { QUALITY_GATE_DEFINITION, type SeededModel, seedImportedCard, seedModel } from "./testing";

describe("card content from lineage", () => {
  let model: SeededModel;
  beforeAll(async () => {
    model = await seedModel({ values: [0.62, 0.66, 0.58], approvals: ["APPROVED", "APPROVED", "REJECTED"] });
    await seedImportedCard(model.versions[0]?.versionId ?? 0, {
      intendedUses: "Flag **risky** orders before shipping.",
      riskRating: "medium",
      riskRatingExplanation: "Wrong flags delay parcels.",
      caveatsAndRecommendations: "Retrain monthly.",
      problemType: "Binary Classification",
      modelOwner: "team returns",
      sagemaker: { model_overview: { model_owner: "team returns" } },
    });
  });

  it("fills the factual sections of a version from its pipeline, run, job and package", async () => {
    const card = await getModelCard({ modelId: model.modelId, version: 2 });
    expect(card).not.toBeNull();
    if (!card) return;
    const v2 = model.versions[1];
    expect(card.model.name).toBe(model.name);
    expect(card.versions).toEqual([1, 2, 3]);
    expect(card.url).toMatch(new RegExp(`/models/${model.modelId}\\?version=2$`));
    expect(card.identity.owners?.slug).toBe(model.teamSlug);
    expect(card.identity.approvalStatus).toBe("APPROVED");

    // Overview: the algorithm from the training image, the problem type as the imported card states it.
    expect(card.overview.algorithm).toBe("returns-train:2.1.0");
    expect(card.overview.problemType).toEqual({ value: "Binary Classification", inferred: false });
    expect(card.overview.inputs).toEqual([
      `train: s3://bucket/${model.name}/train/`,
      `validation: s3://bucket/${model.name}/validation/`,
    ]);

    // Training details: datasets are the job's input channels; hyperparameters; objective; run and job.
    expect(card.training.datasets).toEqual([
      { channel: "train", uri: `s3://bucket/${model.name}/train/`, contentType: null },
      { channel: "validation", uri: `s3://bucket/${model.name}/validation/`, contentType: "text/csv" },
    ]);
    expect(card.training.hyperParameters).toEqual([
      { name: "epochs", value: "3" },
      { name: "learning_rate", value: "0.001" },
    ]);
    expect(card.training.objective).toEqual({ metric: "validation:auc", direction: "higher" });
    expect(card.training.run?.publicId).toBe(v2?.runPublicId);
    expect(card.training.job?.name).toBe(v2?.jobName);

    // Evaluation: headline first, the pipeline's quality gate as its threshold, the previous version's value.
    const [headline, loss] = card.evaluation.metrics;
    expect(headline).toMatchObject({
      name: "validation:auc",
      value: 0.66,
      headline: true,
      direction: "higher",
      threshold: { metric: "validation:auc", op: ">=", value: 0.6, source: "quality-gate" },
      passes: true,
      previous: { version: 1, value: 0.62 },
    });
    expect(loss).toMatchObject({ name: "train:loss", direction: "lower", threshold: null, passes: null });
    expect(card.evaluation.acrossVersions).toEqual({
      metric: "validation:auc",
      points: [
        { version: 1, value: 0.62, approvalStatus: "APPROVED", current: false },
        { version: 2, value: 0.66, approvalStatus: "APPROVED", current: true },
        { version: 3, value: 0.58, approvalStatus: "REJECTED", current: false },
      ],
    });
    expect(card.evaluation.curves.map((c) => c.metric)).toEqual(["validation:auc", "train:loss"]);
    expect(card.evaluation.curves[0]?.points).toHaveLength(4);
    expect(card.evaluation.reportUri).toBe("s3://bucket/eval/2.json");
    expect(card.quantitative.summary.join(" ")).toContain("Ranks 1 of 3 versions");

    // Compute: ml.g5.2xlarge × 1 × 1234 s at the approximate price.
    expect(card.compute.rows).toHaveLength(1);
    expect(card.compute.rows[0]).toMatchObject({ instanceType: "ml.g5.2xlarge", billableSeconds: 1234 });
    expect(card.compute.totalCostUsd).toBeCloseTo(1.515 * (1234 / 3600), 6);

    // Lineage.
    expect(card.lineage.pipeline?.id).toBe(model.pipeline.pipelineId);
    expect(card.lineage.run?.publicId).toBe(v2?.runPublicId);
    expect(card.lineage.job).toMatchObject({ name: v2?.jobName, stepKey: "Train" });
    expect(card.lineage.packageArn).toMatch(/model-package\/.+\/2$/);
    expect(card.lineage.artifacts.map((a) => a.label)).toEqual([
      "Model artifact",
      "Evaluation report: ModelQuality Statistics",
      "Inference image",
    ]);
  });

  it("starts a version without a card from the newest earlier card, and says so", async () => {
    const card = await getModelCard({ modelId: model.modelId, version: 3 });
    expect(card?.narrativeSource).toMatchObject({ kind: "inherited", fromVersion: 1, revision: 1 });
    expect(card?.narrative.intendedUses).toBe("Flag **risky** orders before shipping.");
    expect(card?.narrative.riskRating).toBe("Medium");
    expect(card?.latestRevision).toBe(0);
    // A rejected version below the gate fails it.
    expect(card?.evaluation.metrics[0]).toMatchObject({ value: 0.58, passes: false });
  });

  it("reads the imported card as version 1's own revision", async () => {
    const card = await getModelCard({ modelId: model.modelId, version: 1 });
    expect(card?.narrativeSource).toMatchObject({ kind: "own", revision: 1 });
    expect(card?.lineage.importedCardArn).toMatch(/model-card\/x$/);
    expect(card?.identity.ownerNote).toBe("team returns");
    expect(card?.revisions).toMatchObject([{ revision: 1, status: "DRAFT", author: null }]);
  });

  it("stays current: a metric the sync adds later shows up on the next read", async () => {
    const v2 = model.versions[1];
    await sql(
      `INSERT INTO run_metric (pipeline_id, run_id, scope, name, value, run_started_at)
       SELECT $1, r.id, 'run', 'business:cost_eur', 4.2, now() FROM run r WHERE r.public_id = $2`,
      [model.pipeline.pipelineId, v2?.runPublicId],
    );
    const card = await getModelCard({ modelId: model.modelId, version: 2 });
    expect(card?.evaluation.metrics.map((m) => m.name)).toEqual(["validation:auc", "business:cost_eur", "train:loss"]);
  });

  it("prices a job without billable time (processing) by its start to end, as the run page and run cost do", async () => {
    // A processing job of version 3's run: DescribeProcessingJob has no BillableTimeInSeconds.
    const [train] = await sql<{ source_id: number; run_id: number; arn: string }>(
      "SELECT source_id, run_id, arn FROM sagemaker_job WHERE name = $1",
      [model.versions[2]?.jobName],
    );
    await sql(
      `INSERT INTO sagemaker_job (source_id, kind, name, arn, status, run_id, instance_type, instance_count,
                                  started_at, ended_at)
       VALUES ($1, 'PROCESSING', $2, $3, 'Completed', $4, 'ml.m5.2xlarge', 2,
               now() - interval '2 hours', now() - interval '2 hours' + interval '600 seconds')`,
      [train?.source_id, `${model.name}-features`, `${train?.arn}-features`, train?.run_id],
    );
    const card = await getModelCard({ modelId: model.modelId, version: 3 });
    const processing = card?.compute.rows.find((r) => r.kind === "PROCESSING");
    expect(processing).toMatchObject({ billableSeconds: null, ranSeconds: 600, instanceCount: 2 });
    expect(processing?.costUsd).toBeCloseTo(0.461 * 2 * (600 / 3600), 6);
    const training = card?.compute.rows.find((r) => r.kind === "TRAINING");
    expect(card?.compute.totalCostUsd).toBeCloseTo((training?.costUsd ?? Number.NaN) + (processing?.costUsd ?? 0), 6);
    expect(card?.compute.totalBillableSeconds).toBe((training?.billableSeconds ?? 0) + 600 * 2);
  });

  it("returns null for an unknown model or version", async () => {
    expect(await getModelCard({ modelId: model.modelId, version: 99 })).toBeNull();
    expect(await getModelCard({ modelId: 2_000_000_000, version: 1 })).toBeNull();
    expect(await getModel({ modelId: 2_000_000_000 })).toBeNull();
  });

  it("lists models with their newest version and filters by team, status, pipeline and text", async () => {
    const all = await listModels({ team: model.teamSlug });
    expect(all.map((m) => m.id)).toEqual([model.modelId]);
    expect(all[0]).toMatchObject({
      versionCount: 3,
      latest: { version: 3, approvalStatus: "REJECTED" },
      latestApprovedVersion: 2,
      pipeline: { id: model.pipeline.pipelineId },
    });
    expect(await listModels({ team: model.teamSlug, status: "APPROVED" })).toEqual([]);
    expect((await listModels({ pipeline: model.pipeline.pipelineId })).map((m) => m.id)).toEqual([model.modelId]);
    expect((await listModels({ q: model.name.toUpperCase() })).map((m) => m.id)).toEqual([model.modelId]);
    expect(await listModels({ q: "100%_no_such" })).toEqual([]);
  });
});

describe("card rules", () => {
  it("finds quality gates in Choice rules, nested And/Or, Parallel branches and Map processors", () => {
    const definition = {
      States: {
        Eval: {
          Type: "Parallel",
          Branches: [
            {
              States: {
                Gate: {
                  Type: "Choice",
                  Choices: [{ Or: [{ Variable: "$.m.validation:logloss", NumericLessThanEquals: 0.4 }] }],
                },
              },
            },
          ],
        },
        Markets: {
          Type: "Map",
          ItemProcessor: {
            States: { G: { Type: "Choice", Choices: [{ Variable: "$.eval.pr_auc", NumericGreaterThan: 0.45 }] } },
          },
        },
      },
    };
    expect(qualityGates(definition, null, ["validation:logloss", "validation:pr_auc"])).toEqual([
      { metric: "validation:logloss", op: "<=", value: 0.4 },
      { metric: "validation:pr_auc", op: ">=", value: 0.45 },
    ]);
    expect(qualityGates(QUALITY_GATE_DEFINITION, "validation:auc", ["validation:auc"])).toEqual([
      { metric: "validation:auc", op: ">=", value: 0.6 },
    ]);
    expect(qualityGates(null, "x", ["x"])).toEqual([]);
  });

  it("infers a problem type from metric names", () => {
    expect(inferProblemType(["validation:ndcg_at_10"])).toBe("Ranking");
    expect(inferProblemType(["validation:pr_auc", "validation:logloss"])).toBe("Binary classification");
    expect(inferProblemType(["validation:wape"])).toBe("Regression (forecasting)");
    expect(inferProblemType(["custom:thing"])).toBeNull();
  });

  it("names a slice after what its job name adds to the run name", () => {
    expect(sliceLabel("demand-fc-20261124-1115-289a-de-01", "demand-fc-20261124-1115-289a")).toBe("de");
    expect(sliceLabel("other-job", "run")).toBe("other-job");
  });
});
