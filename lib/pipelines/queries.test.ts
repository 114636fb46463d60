/**
 * The pipelines reads against a real Postgres: bounded SQL per page whatever the run count, keyset
 * pagination without duplicates or gaps across equal start times, min/max downsampling that keeps
 * extremes within the pixel budget, regression detection against the trailing baseline.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pool } from "@/lib/db";
import { roundSignificant } from "@/lib/metrics/precision";
import { registerPipelinePaths } from "./openapi";
import { getMetricSeries, getPipelinePage, getTrainingCurves, listPipelines, listRuns } from "./queries";
import { rememberedRuns } from "./run-labels";
import { MetricSeriesQuery, PipelineListQuery, RunListQuery, type RunSort } from "./schema";
import { type SeededHistory, seedPipelineHistory, seriesRegressions } from "./testing";

const team = `team-${Math.random().toString(36).slice(2, 8)}`;
let small: SeededHistory;
let large: SeededHistory;
let ties: SeededHistory;
let trend: SeededHistory;

beforeAll(async () => {
  small = await seedPipelineHistory(pool, { runs: 40, team, failedEvery: 9, running: 1 });
  large = await seedPipelineHistory(pool, { runs: 3000, team, failedEvery: 11, revisionEvery: 1000 });
  ties = await seedPipelineHistory(pool, { runs: 237, team: `${team}-ties`, tieEvery: 3, failedEvery: 7 });
  trend = await seedPipelineHistory(pool, {
    runs: 2000,
    team: `${team}-trend`,
    tags: { domain: "search" },
    regression: { from: 1500, to: 1520, drop: 0.05 },
    failedEvery: 50,
    revisionEvery: 700,
    epochs: 20,
    jobsForLast: 5,
  });
});

afterAll(async () => {
  await pool.end();
});

/** Counts the statements sent through the pool while `fn` runs. */
async function countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const original = pool.query.bind(pool);
  const spy = vi.spyOn(pool, "query").mockImplementation(((text: unknown, ...rest: unknown[]) => {
    statements.push(typeof text === "string" ? text : JSON.stringify(text));
    return (original as (...args: unknown[]) => unknown)(text, ...rest);
  }) as typeof pool.query);
  try {
    return { result: await fn(), statements };
  } finally {
    spy.mockRestore();
  }
}

describe("pipeline page", () => {
  it("issues the same small number of SQL statements for 40 and 3,000 runs, with no unbounded COUNT", async () => {
    const a = await countQueries(() => getPipelinePage({ pipelineId: small.pipelineId, runs: RunListQuery.parse({}) }));
    const b = await countQueries(() => getPipelinePage({ pipelineId: large.pipelineId, runs: RunListQuery.parse({}) }));
    const c = await countQueries(() =>
      getPipelinePage({
        pipelineId: large.pipelineId,
        runs: RunListQuery.parse({ status: "SUCCEEDED", q: "run-00", sort: "oldest", limit: "100" }),
      }),
    );
    expect(a.statements.length).toBeLessThanOrEqual(3);
    expect(b.statements.length).toBe(a.statements.length);
    expect(c.statements.length).toBe(a.statements.length);
    for (const sql of [...a.statements, ...b.statements]) {
      // Every count over runs is bounded by a LIMIT inside it.
      for (const match of sql.matchAll(/count\(\*\)[^()]*FROM \(SELECT 1 FROM (run|filtered)[^)]*\)/gi)) {
        expect(match[0]).toMatch(/LIMIT \d+/);
      }
      expect(sql).not.toMatch(/count\(\*\)\s*(::int\s*)?FROM run\b/i);
    }
    expect(b.result.runs.runs).toHaveLength(50);
    expect(b.result.runs.count).toEqual({ value: 1000, bounded: true });
    expect(a.result.runs.count).toEqual({ value: 40, bounded: false });
    expect(b.result.pipeline.metricNames).toEqual(["validation:auc", "validation:loss"]);
    expect(b.result.pipeline.runCount).toEqual({ value: 3000, bounded: false });
    expect(b.result.pipeline.revisions).toBe(3);
  });

  it("filters runs by status, text and time range on the server", async () => {
    const failed = await listRuns({
      pipelineId: small.pipelineId,
      query: RunListQuery.parse({ status: "FAILED" }),
      metricColumns: [],
    });
    expect(failed.runs.map((r) => r.name)).toEqual(
      [36, 27, 18, 9].map((i) => `${small.prefix}-run-${String(i).padStart(6, "0")}`),
    );
    const text = await listRuns({
      pipelineId: small.pipelineId,
      query: RunListQuery.parse({ q: "run-00001" }),
      metricColumns: ["validation:auc"],
    });
    expect(text.runs.map((r) => r.name).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `${small.prefix}-run-0000${i + 10}`),
    );
    expect(text.runs[0]?.metrics["validation:auc"]).toBeTypeOf("number");
    expect(text.runs.find((r) => r.name.endsWith("15"))?.trigger).toBe("manual");
    const range = await listRuns({
      pipelineId: small.pipelineId,
      query: RunListQuery.parse({ from: "2024-01-01T00:05:00Z", to: "2024-01-01T00:10:00Z" }),
      metricColumns: [],
    });
    // Runs start a minute apart from 00:00: runs 6..10 start in [00:05, 00:10).
    expect(range.runs.map((r) => r.name.slice(-2)).sort()).toEqual(["06", "07", "08", "09", "10"]);
  });
});

describe("keyset pagination", () => {
  const all = async (sort: RunSort) => {
    const seen: string[] = [];
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 50; guard++) {
      const page = await listRuns({
        pipelineId: ties.pipelineId,
        query: RunListQuery.parse({ sort, limit: "20", cursor }),
        metricColumns: [],
      });
      pages.push(page.runs.map((r) => r.publicId));
      seen.push(...page.runs.map((r) => r.publicId));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return { seen, pages };
  };

  for (const sort of ["newest", "oldest", "longest"] as const) {
    it(`pages through ${sort} with no duplicate and no gap across equal keys`, async () => {
      const { seen, pages } = await all(sort);
      expect(new Set(seen).size).toBe(237);
      expect(seen).toHaveLength(237);
      expect(pages).toHaveLength(12);
      const { rows } = await pool.query<{ public_id: string }>(
        `SELECT public_id FROM run WHERE pipeline_id = $1 ORDER BY ${
          sort === "newest"
            ? "started_at DESC, id DESC"
            : sort === "oldest"
              ? "started_at, id"
              : "coalesce(extract(epoch FROM stopped_at - started_at), -1) DESC, id DESC"
        }`,
        [ties.pipelineId],
      );
      expect(seen).toEqual(rows.map((r) => r.public_id));
    });
  }

  it("walks back with prevCursor to the same pages", async () => {
    const { pages } = await all("newest");
    let cursor: string | undefined;
    let page = await listRuns({
      pipelineId: ties.pipelineId,
      query: RunListQuery.parse({ limit: "20" }),
      metricColumns: [],
    });
    for (let i = 0; i < 3; i++) {
      cursor = page.nextCursor ?? undefined;
      page = await listRuns({
        pipelineId: ties.pipelineId,
        query: RunListQuery.parse({ limit: "20", cursor }),
        metricColumns: [],
      });
    }
    expect(page.runs.map((r) => r.publicId)).toEqual(pages[3]);
    const back = await listRuns({
      pipelineId: ties.pipelineId,
      query: RunListQuery.parse({ limit: "20", cursor: page.prevCursor ?? undefined }),
      metricColumns: [],
    });
    expect(back.runs.map((r) => r.publicId)).toEqual(pages[2]);
    expect(back.nextCursor).not.toBeNull();
  });

  it("refuses a cursor of another sort order with a 400", async () => {
    const first = await listRuns({ pipelineId: ties.pipelineId, query: RunListQuery.parse({}), metricColumns: [] });
    await expect(
      listRuns({
        pipelineId: ties.pipelineId,
        query: RunListQuery.parse({ sort: "oldest", cursor: first.nextCursor ?? undefined }),
        metricColumns: [],
      }),
    ).rejects.toMatchObject({ code: "bad_request" });
  });
});

describe("metric series", () => {
  const fullSeries = async (pipelineId: number, name: string) => {
    const { rows } = await pool.query<{ value: number; x: number }>(
      `SELECT value, (extract(epoch FROM run_started_at) * 1000)::float8 AS x FROM run_metric
        WHERE pipeline_id = $1 AND name = $2 AND scope = 'run' ORDER BY run_started_at, run_id`,
      [pipelineId, name],
    );
    return rows;
  };

  it("is served by one SQL statement, and one more for the runs it refers to that this process does not know", async () => {
    rememberedRuns.clear();
    const view = () =>
      getMetricSeries({
        pipelineId: large.pipelineId,
        query: MetricSeriesQuery.parse({ names: "validation:auc,validation:loss", width: "300", x: "number" }),
      });
    const first = await countQueries(view);
    expect(first.statements).toHaveLength(2);
    expect(first.result.series.every((s) => s.x.length > 0)).toBe(true);
    // Every 11th run failed and none is running: every run it refers to is remembered, failed ones included.
    const failed = first.result.runs.status.filter((s) => s === "FAILED").length;
    expect(failed).toBeGreaterThan(0);
    expect(first.result.runs.status.every((s) => s === "SUCCEEDED" || s === "FAILED")).toBe(true);
    expect(rememberedRuns.ids()).toHaveLength(first.result.runs.publicId.length);
    const again = await countQueries(view);
    expect(again.statements).toHaveLength(1);
    expect(again.result).toEqual(first.result);
  });

  it("shows a failed run redriven by another writer on the first view after the redrive commits", async () => {
    rememberedRuns.clear();
    // A failed run that recorded the best value before a later step failed: a point of the graph refers to it
    // (a failed run without metrics is only a failed mark, which a redrive removes from the answer).
    const { rows } = await pool.query<{ id: number; public_id: string }>(
      `INSERT INTO run_metric (pipeline_id, run_id, name, value, run_started_at)
       SELECT pipeline_id, id, 'validation:auc', 5, started_at FROM run
        WHERE pipeline_id = $1 AND status = 'FAILED' ORDER BY id LIMIT 1
       RETURNING run_id AS id, (SELECT public_id FROM run WHERE id = run_id)`,
      [large.pipelineId],
    );
    const failed = rows[0];
    if (!failed) throw new Error("seed has no failed run");
    const publicId = failed.public_id;
    const query = MetricSeriesQuery.parse({ names: "validation:auc", width: "300", x: "number" });
    const view = () => getMetricSeries({ pipelineId: large.pipelineId, query });
    const statusOf = (series: Awaited<ReturnType<typeof view>>) =>
      series.runs.status[series.runs.publicId.indexOf(publicId)];
    const first = await view();
    expect(first.series[0]?.y).toContain(5);
    expect(statusOf(first)).toBe("FAILED");
    // Another instance's sync redrives it, in a transaction of its own that nothing in this process hears of.
    const other = await pool.connect();
    const send = pool.query.bind(pool);
    try {
      await other.query("BEGIN");
      await other.query("UPDATE run SET status = 'RUNNING' WHERE public_id = $1", [publicId]);
      // Not committed: the remembered label holds, without a read.
      const uncommitted = await countQueries(view);
      expect(statusOf(uncommitted.result)).toBe("FAILED");
      expect(uncommitted.statements).toHaveLength(1);
      // It commits just after this view's series statement: this view is as of that statement (FAILED) ...
      vi.spyOn(pool, "query").mockImplementationOnce((async (...args: Parameters<typeof pool.query>) => {
        const rows = await (send as (...a: unknown[]) => Promise<unknown>)(...args);
        await other.query("COMMIT");
        return rows;
      }) as typeof pool.query);
      try {
        expect(statusOf(await view())).toBe("FAILED");
      } finally {
        vi.restoreAllMocks();
      }
      // ... and the next one reads it again, from any instance's memory.
      const committed = await countQueries(view);
      expect(statusOf(committed.result)).toBe("RUNNING");
      expect(committed.statements).toHaveLength(2);
    } finally {
      await other.query("ROLLBACK").catch(() => undefined);
      other.release();
      await pool.query("UPDATE run SET status = 'FAILED' WHERE public_id = $1", [publicId]);
    }
    // Its redrive failed: running labels are never remembered, so the next view says so.
    try {
      expect(statusOf(await view())).toBe("FAILED");
    } finally {
      await pool.query("DELETE FROM run_metric WHERE run_id = $1 AND name = 'validation:auc'", [failed.id]);
    }
  });

  it("returns at most `width` points per metric and keeps the extremes", async () => {
    for (const width of [40, 100, 333]) {
      const series = await getMetricSeries({
        pipelineId: large.pipelineId,
        query: MetricSeriesQuery.parse({ names: "validation:auc,validation:loss", width: String(width) }),
      });
      for (const s of series.series) {
        const full = await fullSeries(large.pipelineId, s.name);
        expect(s.count).toBe(full.length);
        expect(s.x.length).toBeLessThanOrEqual(width);
        expect(s.x.length).toBeGreaterThan(width / 2);
        expect([...s.x]).toEqual([...s.x].sort((a, b) => a - b));
        // The answer's values are to 7 significant digits (lib/metrics/precision.ts), a monotonic rounding.
        const values = full.map((r) => roundSignificant(r.value));
        expect(Math.min(...s.y)).toBe(Math.min(...values));
        expect(Math.max(...s.y)).toBe(Math.max(...values));
        // Every returned point is a real run's value, and `previous` is that run's predecessor's value.
        const byX = new Map(full.map((r, i) => [r.x, { value: values[i], previous: values[i - 1] ?? null }]));
        s.x.forEach((x, i) => {
          expect(byX.get(x)?.value).toBe(s.y[i]);
          expect(byX.get(x)?.previous).toBe(s.previous[i]);
        });
      }
      expect(series.failed.reduce((a, f) => a + f.count, 0)).toBe(Math.floor(3000 / 11));
      expect(series.definitionChanges).toHaveLength(2);
    }
  });

  it("zooms to a range, by time or by run number, with points only inside it", async () => {
    const full = await fullSeries(large.pipelineId, "validation:auc");
    const from = full[1000]?.x as number;
    const to = full[1500]?.x as number;
    const zoomed = await getMetricSeries({
      pipelineId: large.pipelineId,
      query: MetricSeriesQuery.parse({
        names: "validation:auc",
        width: "2000",
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
      }),
    });
    const s = zoomed.series[0];
    expect(zoomed.domain).toEqual([from, to]);
    expect(s?.count).toBe(501);
    expect(s?.x.every((x) => x >= from && x <= to)).toBe(true);
    expect(s?.previous[0]).toBe(roundSignificant(full[999]?.value ?? Number.NaN));

    const byNumber = await getMetricSeries({
      pipelineId: large.pipelineId,
      query: MetricSeriesQuery.parse({ names: "validation:auc", width: "4000", x: "number", from: "101", to: "200" }),
    });
    expect(byNumber.domain).toEqual([101, 200]);
    // Runs 101..200 minus the failed ones (every 11th has no metric).
    expect(byNumber.series[0]?.count).toBe(100 - 9);
    expect(byNumber.series[0]?.x.every((x) => Number.isInteger(x) && x >= 101 && x <= 200)).toBe(true);
    expect(byNumber.runs.number?.[byNumber.series[0]?.run[0] ?? -1]).toBe(byNumber.series[0]?.x[0]);
  });

  it("marks regressions beyond the threshold against the trailing baseline, and only those", async () => {
    const series = await getMetricSeries({
      pipelineId: trend.pipelineId,
      query: MetricSeriesQuery.parse({ names: "validation:auc,validation:loss", width: "1000", threshold: "3" }),
    });
    const [auc, loss] = series.series;
    const episodeStart = Date.UTC(2024, 0, 1) + 1499 * 60_000;
    const episodeEnd = Date.UTC(2024, 0, 1) + 1519 * 60_000;
    expect(auc?.direction).toBe("higher");
    expect(loss?.direction).toBe("lower");
    expect(auc?.regressions.x.length).toBeGreaterThan(0);
    for (const r of auc ? seriesRegressions(auc.regressions) : []) {
      expect(r.x).toBeGreaterThanOrEqual(episodeStart);
      expect(r.x).toBeLessThanOrEqual(episodeEnd);
      expect((r.baseline - r.y) / r.baseline).toBeGreaterThan(0.03);
    }
    expect(loss?.regressions).toEqual({ x: [], y: [], run: [], baseline: [] });
    // A stricter threshold finds nothing; a looser one finds noise too.
    const strict = await getMetricSeries({
      pipelineId: trend.pipelineId,
      query: MetricSeriesQuery.parse({ names: "validation:auc", threshold: "20" }),
    });
    expect(strict.series[0]?.regressions.x).toEqual([]);
  });

  it("answers 404 for an unknown pipeline and 400 for bad parameters", async () => {
    await expect(
      getMetricSeries({ pipelineId: 2_000_000_000, query: MetricSeriesQuery.parse({ names: "a" }) }),
    ).rejects.toMatchObject({ code: "not_found" });
    expect(MetricSeriesQuery.safeParse({ names: "a", width: "0" }).success).toBe(false);
    expect(MetricSeriesQuery.safeParse({ names: "a", x: "number", from: "yesterday" }).success).toBe(false);
    // No names (or an empty value, as a form sends it) asks for the headline metric.
    expect(MetricSeriesQuery.parse({ names: "" }).names).toEqual([]);
    expect(MetricSeriesQuery.parse({}).names).toEqual([]);
  });
});

describe("index, training curves, OpenAPI", () => {
  it("filters pipelines by team, tag and latest status, and pages by name", async () => {
    const byTeam = await listPipelines(PipelineListQuery.parse({ team, sort: "name", limit: "1" }));
    expect(byTeam.total).toBe(2);
    expect(byTeam.pipelines).toHaveLength(1);
    const next = await listPipelines(
      PipelineListQuery.parse({ team, sort: "name", limit: "1", cursor: byTeam.nextCursor }),
    );
    expect(next.pipelines).toHaveLength(1);
    expect(next.nextCursor).toBeNull();
    expect([byTeam.pipelines[0]?.name, next.pipelines[0]?.name].sort()).toEqual([small.name, large.name].sort());
    const running = await listPipelines(PipelineListQuery.parse({ team, status: "RUNNING" }));
    expect(running.pipelines.map((p) => p.name)).toEqual([small.name]);
    const summary = running.pipelines[0];
    expect(summary?.recent.finished).toBe(20);
    expect(summary?.sparkline.length).toBeGreaterThan(10);
    const tagged = await listPipelines(PipelineListQuery.parse({ tag: "domain=search", team: `${team}-trend` }));
    expect(tagged.pipelines.map((p) => p.name)).toEqual([trend.name]);
  });

  it("overlays the per-epoch curves of the latest runs", async () => {
    const curves = await getTrainingCurves({ pipelineId: trend.pipelineId, metric: undefined, runs: 3 });
    expect(curves.metric).toBe("validation:auc");
    expect(curves.curves).toHaveLength(3);
    expect(curves.curves[0]?.steps).toHaveLength(20);
  });

  it("describes the pipelines operations in the OpenAPI document", () => {
    const registry = new OpenAPIRegistry();
    registerPipelinePaths(registry, [{ bearerToken: [] }]);
    const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: "3.1.0",
      info: { title: "t", version: "1" },
    });
    expect(Object.keys(doc.paths ?? {})).toEqual([
      "/api/v1/pipelines",
      "/api/v1/pipelines/{pipelineId}/runs",
      "/api/v1/pipelines/{pipelineId}/metrics",
      "/api/v1/pipelines/{pipelineId}/training-curves",
      "/api/v1/pipelines/{pipelineId}/compare",
    ]);
    const params = doc.paths?.["/api/v1/pipelines/{pipelineId}/metrics"]?.get?.parameters ?? [];
    expect(params.map((p) => ("name" in p ? p.name : ""))).toContain("names");
  });
});
