/**
 * EXPLAIN (ANALYZE, BUFFERS) of the runs page's one statement with each search the run-search bench module
 * times, on the bench database (`npm run bench -- --quick --only=run-search` seeds it):
 *
 *   npx tsx bench/explain-run-search.ts [--quick|--full]
 *
 * Shows which index answers each term and how many runs the first page and the bounded count read.
 */
import path from "node:path";
import pg from "pg";
import { runsPageSql, SEARCH_FIRST_PARAM } from "@/lib/pipelines/sql/runs-page";
import { compileSearch, parseSearch } from "@/lib/runs/search";
import { resolveDatabase } from "@/lib/runtime/database";
import { SEED_VERSION, seededScale } from "./seed";

const scale = process.argv.includes("--full") ? "full" : "quick";
process.env.STEPWISE_DATA_DIR ??= path.resolve(`.data/bench-${scale}-v${SEED_VERSION}`);
const db = await resolveDatabase();
const pool = new pg.Pool({ connectionString: db.url, max: 1 });
try {
  const seeded = await seededScale(pool);
  if (!seeded) throw new Error(`no bench data in ${process.env.STEPWISE_DATA_DIR}`);
  const pipelineId = seeded.info.largestPipelineId;
  const { rows } = await pool.query<{ eta: string; runs: number }>(
    `SELECT (SELECT hyper_parameters->>'eta' FROM run WHERE pipeline_id = $1 AND hyper_parameters ? 'eta'
              ORDER BY id LIMIT 1) AS eta, (SELECT count(*)::int FROM run WHERE pipeline_id = $1) AS runs`,
    [pipelineId],
  );
  console.log(`pipeline ${pipelineId}: ${rows[0]?.runs} runs`);
  for (const q of [
    `hp.eta = ${rows[0]?.eta}`,
    "input.trigger = schedule AND hp.max_depth >= 7",
    "input.dataset.train ~ /x9",
  ]) {
    const search = compileSearch(parseSearch(q), SEARCH_FIRST_PARAM, { pipelineParam: 1 });
    const plan = await pool.query<{ "QUERY PLAN": string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${runsPageSql("newest", false, search?.sql ?? null, search?.pipelineKeyed)}`,
      [pipelineId, null, null, null, ["validation:auc"], 51, null, null, ...(search?.params ?? [])],
    );
    console.log(`\n── ${q}\n${plan.rows.map((r) => r["QUERY PLAN"]).join("\n")}`);
  }
} finally {
  await pool.end();
  await db.stop();
}
