/**
 * The one part of the run page's server time that does not come from SQL: laying out the state-machine
 * graph with elkjs (lib/runs/graph-layout.ts). The page memoises layouts per definition, so this is paid
 * once per definition and app instance; measured here without the memo (no cache key) for a demo
 * pipeline and for a 64-state definition, so a regression in layout cost shows.
 */
import { catalogue } from "@/lib/emulator/demo/catalogue";
import { buildGraph } from "@/lib/runs/graph";
import { layoutGraph } from "@/lib/runs/graph-layout";
import { sample, summarise } from "../lib/stats";
import type { BenchModule, Measurement } from "../lib/types";

function bigDefinition(states: number): unknown {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < states; i++) {
    out[`S${i}`] =
      i === states - 1
        ? { Type: "Succeed" }
        : i % 10 === 5
          ? {
              Type: "Choice",
              Choices: [{ Variable: "$.x", NumericGreaterThan: 1, Next: `S${i + 1}` }],
              Default: `S${i + 2}`,
            }
          : { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Next: `S${i + 1}` };
  }
  return { StartAt: "S0", States: out };
}

export const runGraphLayout: BenchModule = {
  name: "run-graph-layout",
  async run(ctx) {
    const subjects = [
      { name: "return-probability (16 nodes, Parallel)", definition: catalogue[2]?.definition },
      { name: "64 states with Choices", definition: bigDefinition(64) },
    ];
    const out: Measurement[] = [];
    for (const subject of subjects) {
      const model = buildGraph(subject.definition);
      const samples = await sample(() => layoutGraph(model, new Set()), ctx.scale === "quick" ? 5 : 15, 2);
      const summary = summarise(samples);
      out.push({
        name: `run page graph layout, uncached: ${subject.name}`,
        unit: "ms",
        summary,
        target: "paid once per definition per instance (memoised); informative",
        met: null,
      });
    }
    return out;
  },
};
