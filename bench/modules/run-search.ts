/**
 * Search of runs by what they were given (lib/runs/search) on the largest pipeline (100k runs at full scale,
 * 10k quick), through the API a notebook calls: a selective hyperparameter equality (a containment probe on
 * the per-pipeline GIN index of run.hyper_parameters), a common input equality with a numeric hyperparameter
 * range (the first page fills from the newest runs and stops early), and a rare "contains" on an input path
 * (a probe of the trigram index on the documents' text, then the exact check on the few runs it returns).
 */
import type { BenchModule, Measurement } from "../lib/types";
import { seededScale } from "../seed";
import { timeGet } from "./http-pages";

export const runSearch: BenchModule = {
  name: "run-search",
  async run(ctx) {
    const seeded = await seededScale(ctx.pool);
    if (!seeded) return [];
    const pipelineId = seeded.info.largestPipelineId;
    const { rows } = await ctx.pool.query<{ eta: string | null; runs: number }>(
      `SELECT (SELECT hyper_parameters->>'eta' FROM run WHERE pipeline_id = $1 AND hyper_parameters ? 'eta'
                ORDER BY id LIMIT 1) AS eta,
              (SELECT count(*)::int FROM run WHERE pipeline_id = $1) AS runs`,
      [pipelineId],
    );
    const eta = rows[0]?.eta;
    const runs = rows[0]?.runs ?? 0;
    if (!eta) {
      ctx.log("  run-search: the bench database has no hyperparameters on runs (migrate it, or seed it again)");
      return [];
    }
    const iterations = ctx.scale === "quick" ? 30 : 100;
    const subjects = [
      { label: `selective equality (hp.eta = ${eta})`, q: `hp.eta = ${eta}` },
      {
        label: "common terms (input.trigger = schedule AND hp.max_depth >= 7)",
        q: "input.trigger = schedule AND hp.max_depth >= 7",
      },
      { label: "rare contains (input.dataset.train ~ /x9)", q: "input.dataset.train ~ /x9" },
    ];
    const out: Measurement[] = [];
    for (const subject of subjects) {
      const path = `/api/v1/pipelines/${pipelineId}/runs?limit=50&q=${encodeURIComponent(subject.q)}`;
      const m = await timeGet(ctx, path, "token", iterations);
      if (m?.status !== 200) {
        ctx.log(`  run-search: ${path} answered ${m?.status}`);
        continue;
      }
      out.push({
        name: `run search, ${runs.toLocaleString("en-US")} runs: ${subject.label}`,
        unit: "ms",
        summary: m.times,
        target: "p95 ≤ 100 ms (as the pipeline page)",
        met: m.times.p95 <= 100,
        notes: `${m.queries} SQL statements per request (incl. auth); ${(m.bytes / 1024).toFixed(0)} KiB`,
      });
    }
    return out;
  },
};
