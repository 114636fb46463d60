import { beforeAll, describe, expect, it } from "vitest";
import { GET as getOpenApi } from "@/app/api/v1/openapi.json/route";
import { GET as getChanges } from "@/app/api/v1/runs/[runId]/changes/route";
import { createTestToken, createTestUser } from "@/lib/auth/testing";
import { sql } from "@/lib/db";
import { isRegression } from "@/lib/metrics/regression";
import { getMetricSeries } from "@/lib/pipelines/queries";
import { MetricSeriesQuery } from "@/lib/pipelines/schema";
import { type SeededPipeline, type SeededRun, seedPipeline, seedRun } from "@/lib/runs/testing";
import { getRunChanges } from "./queries";
import { channels, seedJob, seedRunMetrics } from "./testing";

// Fixed instants: nothing asserted depends on the clock.
const T0 = Date.UTC(2026, 2, 1, 6);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

const DEFINITION = { StartAt: "Train", States: { Train: { Type: "Task", Resource: "x", End: true } } };

/** A run of the pipeline at minute `m` (×60 apart) with Prepare + Train steps and a training job. */
async function run(
  pipeline: SeededPipeline,
  m: number,
  options: {
    status?: string;
    auc?: number;
    loss?: number;
    trainMinutes?: number;
    input?: unknown;
    lr?: string;
    image?: string;
    instanceType?: string;
    instanceCount?: number;
    train?: string;
    definition?: unknown;
  } = {},
): Promise<SeededRun> {
  const trainMinutes = options.trainMinutes ?? 20;
  const start = m * 60;
  const seeded = await seedRun(pipeline, {
    status: options.status ?? "SUCCEEDED",
    startedAt: at(start),
    stoppedAt: at(start + 5 + trainMinutes),
    input: JSON.stringify(options.input ?? { market: "de", dataset: { train: "s3://data/v1" }, epochs: 10 }),
    definition: options.definition,
    steps: [
      { key: "Prepare", stateName: "Prepare", enteredAt: at(start), exitedAt: at(start + 5) },
      { key: "Train", stateName: "Train", enteredAt: at(start + 5), exitedAt: at(start + 5 + trainMinutes) },
    ],
  });
  await seedJob(pipeline, seeded, {
    stepKey: "Train",
    hyperParameters: { learning_rate: options.lr ?? "0.1", max_depth: "6" },
    image: options.image ?? "123456789012.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1.7",
    instanceType: options.instanceType ?? "ml.m5.xlarge",
    instanceCount: options.instanceCount ?? 1,
    inputs: channels({ train: options.train ?? "s3://data/v1/train", validation: "s3://data/v1/validation" }),
    billableSeconds: trainMinutes * 60,
  });
  const metrics: Record<string, number> = {};
  if (options.auc !== undefined) metrics["validation:auc"] = options.auc;
  if (options.loss !== undefined) metrics["validation:loss"] = options.loss;
  if (Object.keys(metrics).length) await seedRunMetrics(pipeline, seeded, metrics);
  return seeded;
}

describe("what changed since the last good run", () => {
  let pipeline: SeededPipeline;
  let good: SeededRun[];
  let regressed: SeededRun;
  let failed: SeededRun;
  let current: SeededRun;
  let revision: number;

  beforeAll(async () => {
    pipeline = await seedPipeline({ definition: DEFINITION });
    good = [];
    for (const [i, auc] of [0.8, 0.81, 0.8, 0.79, 0.8].entries())
      good.push(await run(pipeline, i, { auc, loss: 0.3, definition: i === 0 ? DEFINITION : undefined }));
    // Every good run executed the first one's revision.
    const [row] = await sql<{ revision_id: number }>(`SELECT revision_id FROM run WHERE id = $1`, [good[0]?.id]);
    revision = row?.revision_id ?? 0;
    await sql(`UPDATE run SET revision_id = $1 WHERE id = ANY($2::int[])`, [revision, good.map((g) => g.id)]);
    // Succeeded, but its AUC dropped 12 % below the trailing baseline: a ▼ on the graph, so never a baseline.
    regressed = await run(pipeline, 5, { auc: 0.7, loss: 0.3 });
    failed = await run(pipeline, 6, { status: "FAILED" });
    current = await run(pipeline, 7, {
      status: "FAILED",
      auc: 0.72,
      loss: 0.45,
      trainMinutes: 50,
      input: { market: "de", dataset: { train: "s3://data/v2" }, epochs: 10, debug: true },
      lr: "0.3",
      image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/xgboost:2.0",
      instanceType: "ml.m5.2xlarge",
      instanceCount: 2,
      train: "s3://data/v2/train",
      definition: { StartAt: "Train", States: { Train: { Type: "Task", Resource: "y", End: true } } },
    });
  });

  it("picks the newest successful run without a regressed metric, skipping failed and regressed ones", async () => {
    const changes = await getRunChanges({ id: current.publicId });
    expect(changes?.baseline?.publicId).toBe(good[4]?.publicId);
    expect(changes?.run.publicId).toBe(current.publicId);
    // The run right after the regressed one compares with the run before it too.
    expect((await getRunChanges({ id: failed.publicId }))?.baseline?.publicId).toBe(good[4]?.publicId);
    // The regressed run's own baseline is the good run before it.
    expect((await getRunChanges({ id: regressed.publicId }))?.baseline?.publicId).toBe(good[4]?.publicId);
    expect((await getRunChanges({ id: good[3]?.publicId ?? "" }))?.baseline?.publicId).toBe(good[2]?.publicId);
    // Addressed by execution ARN too.
    expect((await getRunChanges({ id: current.executionArn }))?.run.publicId).toBe(current.publicId);
  });

  it("diffs definition, input, hyperparameters, image, instances, data, step durations and cost", async () => {
    const changes = await getRunChanges({ id: current.publicId });
    if (!changes) throw new Error("no changes");
    expect(changes.definition).toEqual({ changed: true, before: revision, after: expect.any(Number) });
    expect(changes.definition.after).not.toBe(revision);
    expect(changes.input).toEqual([
      { key: "dataset.train", step: null, kind: "changed", before: "s3://data/v1", after: "s3://data/v2" },
      { key: "debug", step: null, kind: "added", before: null, after: "true" },
    ]);
    expect(changes.hyperParameters).toEqual([
      { key: "learning_rate", step: "Train", kind: "changed", before: "0.1", after: "0.3" },
    ]);
    expect(changes.images).toEqual([
      {
        key: "image",
        step: "Train",
        kind: "changed",
        before: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1.7",
        after: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/xgboost:2.0",
      },
    ]);
    expect(changes.instances).toEqual([
      { key: "instance count", step: "Train", kind: "changed", before: "1", after: "2" },
      { key: "instance type", step: "Train", kind: "changed", before: "ml.m5.xlarge", after: "ml.m5.2xlarge" },
    ]);
    expect(changes.dataLocations).toEqual([
      { key: "train", step: "Train", kind: "changed", before: "s3://data/v1/train", after: "s3://data/v2/train" },
    ]);
    // Train took 30 minutes longer; Prepare did not change and is left out.
    expect(changes.steps).toEqual([
      { key: "Train", beforeMs: 20 * 60_000, afterMs: 50 * 60_000, deltaMs: 30 * 60_000 },
    ]);
    // ml.m5.xlarge 0.23 $/h × 1 × 20 min; ml.m5.2xlarge 0.461 $/h × 2 × 50 min.
    expect(changes.cost.before).toBeCloseTo(0.23 / 3, 6);
    expect(changes.cost.after).toBeCloseTo((0.461 * 2 * 50) / 60, 6);
    expect(changes.baselineSteps).toEqual([
      { key: "Prepare", offsetMs: 0, durationMs: 5 * 60_000 },
      { key: "Train", offsetMs: 5 * 60_000, durationMs: 20 * 60_000 },
    ]);
    const auc = changes.metrics.find((m) => m.name === "validation:auc");
    expect(auc).toMatchObject({ value: 0.72, baselineRunValue: 0.8, regressed: true, direction: "higher" });
    const loss = changes.metrics.find((m) => m.name === "validation:loss");
    expect(loss).toMatchObject({ value: 0.45, baselineRunValue: 0.3, regressed: true, direction: "lower" });
    expect(changes.summary[0]).toMatch(/^validation:auc 0\.7200 vs baseline 0\.7\d+ \(-\d+\.\d %\)$/);
    expect(changes.summary).toContain(`definition revision ${revision} → ${changes.definition.after}`);
    expect(changes.summary.some((s) => s.startsWith("image Train image: "))).toBe(true);
  });

  it("flags a metric as regressed exactly when the metric graph draws its ▼ marker", async () => {
    const series = await getMetricSeries({
      pipelineId: pipeline.pipelineId,
      query: MetricSeriesQuery.parse({ names: "validation:auc,validation:loss", width: "4000", x: "number" }),
    });
    const marked = new Set(
      series.series.flatMap((s) => s.regressions.run.map((run) => `${s.name} ${series.runs.publicId[run]}`)),
    );
    const rows = await sql<{
      name: string;
      value: number;
      base_value: number | null;
      base_n: number;
      public_id: string;
    }>(
      `SELECT m.name, m.value, m.base_value, m.base_n, r.public_id FROM run_metric m JOIN run r ON r.id = m.run_id
        WHERE m.pipeline_id = $1 AND m.scope = 'run'`,
      [pipeline.pipelineId],
    );
    const flagged = new Set(
      rows
        .filter((r) => isRegression({ name: r.name, value: r.value, baseValue: r.base_value, baseN: r.base_n }))
        .map((r) => `${r.name} ${r.public_id}`),
    );
    expect(flagged).toEqual(marked);
    expect(flagged).toEqual(
      new Set([
        `validation:auc ${regressed.publicId}`,
        `validation:auc ${current.publicId}`,
        `validation:loss ${current.publicId}`,
      ]),
    );
  });

  it("says why there is no baseline, and answers null for an unknown run", async () => {
    const lonely = await seedPipeline({ definition: DEFINITION });
    const first = await run(lonely, 0, { auc: 0.8 });
    const changes = await getRunChanges({ id: first.publicId });
    expect(changes?.baseline).toBeNull();
    expect(changes?.note).toBe("No earlier successful run of this pipeline to compare with.");
    expect(changes?.steps).toEqual([]);
    expect(changes?.metrics).toEqual([
      {
        name: "validation:auc",
        direction: "higher",
        value: 0.8,
        baselineRunValue: null,
        trailingBaseline: null,
        regressed: false,
      },
    ]);
    expect(await getRunChanges({ id: "no-such-run" })).toBeNull();
    expect(await getRunChanges({ id: "arn:aws:states:eu-west-1:1:execution:x:y" })).toBeNull();
  });

  it("serves the same diff through GET /api/v1/runs/{id}/changes: 401 without a token, 404 unknown, 400 bad id", async () => {
    const { user } = await createTestUser();
    const { token } = await createTestToken({ userId: user.id });
    const call = (id: string, auth = true) =>
      getChanges(
        new Request(`http://localhost:3000/api/v1/runs/${encodeURIComponent(id)}/changes`, {
          headers: auth ? { authorization: `Bearer ${token}` } : {},
        }),
        { params: Promise.resolve({ runId: id }) },
      );
    const anonymous = await call(current.publicId, false);
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(await anonymous.json())).not.toContain(current.name);
    const ok = await call(current.publicId);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(JSON.parse(JSON.stringify(await getRunChanges({ id: current.publicId }))));
    const missing = await call("no-such-run");
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.message).toContain("no-such-run");
    expect((await call("x\u0000y")).status).toBe(400);
    expect((await call("x".repeat(5000))).status).toBe(400);
    // Described in the OpenAPI document, from the same schema.
    const doc = await (
      await getOpenApi(
        new Request("http://localhost:3000/api/v1/openapi.json", { headers: { authorization: `Bearer ${token}` } }),
      )
    ).json();
    expect(doc.paths["/api/v1/runs/{runId}/changes"].get.responses).toHaveProperty("404");
    expect(Object.keys(doc.components.schemas.RunChanges.properties)).toEqual(
      expect.arrayContaining(["baseline", "input", "hyperParameters", "steps", "cost", "summary"]),
    );
  });
});
