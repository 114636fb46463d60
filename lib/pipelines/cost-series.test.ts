/**
 * Cost per run on the metric-evolution graph (issue 19): the sync stores a run's approximate cost as the
 * reserved run-level metric RUN_COST_METRIC once its SageMaker jobs have settled, so the graph's series endpoint
 * serves it from the pre-aggregated rollups like any metric. Against the demo emulator's back-filled runs and real
 * Postgres: every point of the series equals the cost the run page shows for that run, lower is better, and the
 * metric is selectable but never the default one nor a runs-table column.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getRunRoute } from "@/app/api/v1/runs/[runId]/route";
import { pool } from "@/lib/db";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { metricDirection, RUN_COST_METRIC } from "@/lib/metrics/direction";
import { roundSignificant } from "@/lib/metrics/precision";
import { runSourcePass } from "@/lib/sync/pass";
import { reloadSource, startTestApiSource, type TestApiSource } from "@/lib/sync/testing";
import { getMetricSeries, getPipeline } from "./queries";
import { MetricSeriesQuery } from "./schema";

type RunCost = { usd: number; pricedJobs: number; jobs: number } | null;

describe("cost per run as a metric series", () => {
  let api: TestApiSource | undefined;
  let source: AwsSource;
  let pipelineId: number;
  let auth: Record<string, string>;

  const runCost = async (publicId: string): Promise<{ status: string; cost: RunCost }> => {
    const answer = await getRunRoute(new Request(`http://localhost/api/v1/runs/${publicId}`, { headers: auth }), {
      params: Promise.resolve({ runId: publicId }),
    });
    expect(answer.status).toBe(200);
    return (await answer.json()) as { status: string; cost: RunCost };
  };

  beforeAll(async () => {
    api = await startTestApiSource({ backfillRuns: 8 });
    ({ source, auth } = api);
    await runSourcePass(await reloadSource(source.key), { full: true });
    const { rows } = await pool.query<{ id: number }>("SELECT id FROM pipeline WHERE source_id = $1 AND name = $2", [
      source.id,
      "size-recommendation-training",
    ]);
    pipelineId = rows[0]?.id ?? 0;
  });

  afterAll(() => api?.stop());

  it("is one more selectable metric, listed last, lower is better, not a runs-table column", async () => {
    const pipeline = await getPipeline({ pipelineId });
    expect(pipeline.metricNames.at(-1)).toBe(RUN_COST_METRIC);
    expect(pipeline.metricNames.length).toBeGreaterThan(1);
    expect(pipeline.metricColumns).not.toContain(RUN_COST_METRIC);
    expect(metricDirection(RUN_COST_METRIC)).toBe("lower");
  });

  it("serves, for every run, the cost the run page shows for it", async () => {
    const series = await getMetricSeries({
      pipelineId,
      query: MetricSeriesQuery.parse({ names: RUN_COST_METRIC, width: "2000", x: "number" }),
    });
    const [cost] = series.series;
    expect(cost?.name).toBe(RUN_COST_METRIC);
    expect(cost?.direction).toBe("lower");
    const points = cost?.y.length ?? 0;
    expect(points).toBeGreaterThan(0);
    const inSeries = new Set<string>();
    for (let i = 0; i < points; i++) {
      const publicId = series.runs.publicId[cost?.run[i] ?? -1] ?? "";
      inSeries.add(publicId);
      const shown = await runCost(publicId);
      expect(shown.cost?.pricedJobs).toBeGreaterThan(0);
      // To the series answer's 7 significant digits (lib/metrics/precision.ts).
      expect(cost?.y[i]).toBe(roundSignificant(shown.cost?.usd ?? Number.NaN));
    }
    // Every settled run whose jobs are priced is on the graph.
    const { rows } = await pool.query<{ public_id: string }>(
      "SELECT public_id FROM run WHERE pipeline_id = $1 AND status = 'SUCCEEDED'",
      [pipelineId],
    );
    for (const { public_id } of rows) {
      const shown = await runCost(public_id);
      if ((shown.cost?.pricedJobs ?? 0) > 0) expect(inSeries.has(public_id)).toBe(true);
    }
  });

  it("is written once: a second pass changes no cost row", async () => {
    const before = await pool.query(
      "SELECT run_id, value, recorded_at FROM run_metric WHERE pipeline_id = $1 AND name = $2 ORDER BY run_id",
      [pipelineId, RUN_COST_METRIC],
    );
    await runSourcePass(await reloadSource(source.key), { full: true });
    const after = await pool.query(
      "SELECT run_id, value, recorded_at FROM run_metric WHERE pipeline_id = $1 AND name = $2 ORDER BY run_id",
      [pipelineId, RUN_COST_METRIC],
    );
    expect(after.rows).toEqual(before.rows);
  });
});
