/**
 * Server time of pages and API endpoints, measured over loopback against the
 * app started on the bench database, with the SQL queries each request issued
 * and a raw-SQL baseline of the same data measured in the same run. A subject
 * whose route has not landed yet (404) is skipped.
 */

import { sample, summarise } from "../lib/stats";
import type { BenchContext, BenchModule, Measurement } from "../lib/types";
import { seededScale, seriesPath } from "../seed";

type Subject = {
  name: string;
  path: (info: { largestPipelineId: number; bigRunPublicId: string; modelId: number | null }) => string | null;
  auth: "cookie" | "token";
  targetMs: number | null;
  maxQueries?: number;
  target: string;
  baseline?: {
    label: string;
    sql: string;
    params: (info: { largestPipelineId: number; bigRunPublicId: string }) => unknown[];
  };
};

export const SUBJECTS: Subject[] = [
  {
    name: "pipelines index",
    path: () => "/pipelines",
    auth: "cookie",
    targetMs: null,
    target: "fast with thousands of pipelines (no numeric target)",
  },
  {
    name: "pipeline page (largest pipeline)",
    path: (i) => `/pipelines/${i.largestPipelineId}`,
    auth: "cookie",
    targetMs: 100,
    maxQueries: 3,
    target: "p95 ≤ 100 ms, ≤ 3 SQL queries",
    baseline: {
      label: "raw SQL: newest 50 runs",
      sql: "SELECT id, public_id, status, started_at, stopped_at FROM run WHERE pipeline_id = $1 ORDER BY started_at DESC, id DESC LIMIT 50",
      params: (i) => [i.largestPipelineId],
    },
  },
  {
    name: "run page (2,000 steps)",
    path: (i) => (i.bigRunPublicId ? `/runs/${i.bigRunPublicId}` : null),
    auth: "cookie",
    targetMs: 100,
    target: "p95 ≤ 100 ms",
    baseline: {
      label: "raw SQL: the run's steps",
      sql: "SELECT s.* FROM step s JOIN run r ON r.id = s.run_id WHERE r.public_id = $1 ORDER BY s.entered_event_id",
      params: (i) => [i.bigRunPublicId],
    },
  },
  {
    name: "metric series endpoint (largest pipeline, 3 metrics)",
    path: (i) => seriesPath(i.largestPipelineId),
    auth: "token",
    targetMs: 100,
    target: "serves the graph's data in one query (p95 ≤ 100 ms as the page)",
    baseline: {
      label: "raw SQL: all points, no downsampling",
      sql: "SELECT name, run_started_at, value FROM run_metric WHERE pipeline_id = $1 AND name = ANY($2) ORDER BY name, run_started_at",
      params: (i) => [i.largestPipelineId, ["validation:auc", "validation:loss", "business:gmv_uplift"]],
    },
  },
  {
    name: "model card page",
    path: (i) => (i.modelId ? `/models/${i.modelId}` : null),
    auth: "cookie",
    targetMs: null,
    target: "no numeric target",
  },
];

/** Server time of one GET (p50/p95 over `iterations`), its SQL statement count and response size. */
export async function timeGet(
  ctx: BenchContext,
  path: string,
  auth: "cookie" | "token",
  iterations: number,
): Promise<{ status: number; times: ReturnType<typeof summarise>; queries: number; bytes: number } | null> {
  const app = await ctx.app();
  const headers: Record<string, string> =
    auth === "cookie" ? { cookie: app.cookie } : { authorization: `Bearer ${app.token}` };
  let bytes = 0;
  const get = async () => {
    const response = await fetch(`${app.baseUrl}${path}`, { headers, redirect: "manual" });
    bytes = (await response.arrayBuffer()).byteLength;
    return response.status;
  };
  const status = await get();
  if (status !== 200) return { status, times: summarise([]), queries: Number.NaN, bytes };
  const q1 = await app.queryCount();
  const overhead = (await app.queryCount()) - q1;
  const before = await app.queryCount();
  await get();
  const queries = (await app.queryCount()) - before - overhead;
  return { status, times: summarise(await sample(get, iterations)), queries, bytes };
}

async function measure(ctx: BenchContext, subject: Subject, iterations: number): Promise<Measurement | null> {
  const seeded = await seededScale(ctx.pool);
  if (!seeded) return null;
  const model = await ctx.pool.query<{ id: number }>("SELECT id FROM model_group WHERE pipeline_id = $1 LIMIT 1", [
    seeded.info.largestPipelineId,
  ]);
  const info = { ...seeded.info, modelId: model.rows[0]?.id ?? null };
  const path = subject.path(info);
  if (!path) return null;
  const app = await ctx.app();
  const headers: Record<string, string> =
    subject.auth === "cookie" ? { cookie: app.cookie } : { authorization: `Bearer ${app.token}` };
  const get = async () => {
    const response = await fetch(`${app.baseUrl}${path}`, { headers, redirect: "manual" });
    await response.arrayBuffer();
    return response.status;
  };
  const status = await get();
  if (status === 404) {
    ctx.log(`  ${subject.name}: ${path} is not there yet (404), skipped`);
    return null;
  }
  if (status !== 200) {
    ctx.log(`  ${subject.name}: ${path} answered ${status}, skipped`);
    return null;
  }
  // The metrics endpoint that reports the counter issues queries of its own; measure and subtract them.
  const q1 = await app.queryCount();
  const overhead = (await app.queryCount()) - q1;
  const before = await app.queryCount();
  await get();
  const queries = (await app.queryCount()) - before - overhead;
  const times = summarise(await sample(get, iterations));
  let ratio: Measurement["ratio"];
  if (subject.baseline) {
    const { sql, params, label } = subject.baseline;
    const base = summarise(await sample(() => ctx.pool.query(sql, params(info)), iterations));
    ratio = { value: times.p50 / base.p50, baseline: `${label} (p50 ${base.p50.toFixed(1)} ms)` };
  }
  const timeOk = subject.targetMs === null ? null : times.p95 <= subject.targetMs;
  const queriesOk = subject.maxQueries === undefined || Number.isNaN(queries) ? null : queries <= subject.maxQueries;
  return {
    name: `${subject.name} server time`,
    unit: "ms",
    summary: times,
    target: subject.target,
    met: timeOk === null && queriesOk === null ? null : timeOk !== false && queriesOk !== false,
    ratio,
    notes: Number.isNaN(queries) ? "SQL query count unavailable" : `${queries} SQL queries per request`,
  };
}

export const httpPages: BenchModule = {
  name: "pages",
  async run(ctx) {
    const iterations = ctx.scale === "quick" ? 30 : 200;
    const out: Measurement[] = [];
    for (const subject of SUBJECTS) {
      const m = await measure(ctx, subject, iterations);
      if (m) out.push(m);
    }
    return out;
  },
};
