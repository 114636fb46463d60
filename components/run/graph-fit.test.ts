import { describe, expect, it } from "vitest";
import { catalogue } from "@/lib/emulator/demo/catalogue";
import { buildGraph } from "@/lib/runs/graph";
import { type GraphLayout, layoutGraph } from "@/lib/runs/graph-layout";
import { contentBounds, fitTransform } from "./graph-fit";

/** A panel as the run page gives the graph at 1440 px (and a narrow one). */
const PANELS = [
  { width: 760, height: 440 },
  { width: 420, height: 440 },
];

/** The drawing's box on screen after the fit. */
function onScreen(layout: GraphLayout, size: { width: number; height: number }) {
  const b = contentBounds(layout);
  const t = fitTransform(b, size);
  return {
    k: t.k,
    left: b.minX * t.k + t.x,
    top: b.minY * t.k + t.y,
    right: b.maxX * t.k + t.x,
    bottom: b.maxY * t.k + t.y,
  };
}

function sixtyStates() {
  const states: Record<string, unknown> = {};
  for (let i = 0; i < 60; i++) {
    states[`S${i}`] =
      i === 20
        ? {
            Type: "Parallel",
            Branches: [0, 1, 2].map((b) => ({ StartAt: `B${b}`, States: { [`B${b}`]: { Type: "Pass", End: true } } })),
            Next: `S${i + 1}`,
          }
        : i === 59
          ? { Type: "Succeed" }
          : { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Next: `S${i + 1}` };
  }
  return { StartAt: "S0", States: states };
}

describe("the graph opens fitted and centred", () => {
  const definitions = [
    ...catalogue.map((p) => [p.name, p.definition] as const),
    ["a 60-state definition", sixtyStates()] as const,
  ];
  for (const [name, definition] of definitions) {
    it(`fits ${name} inside the panel, centred both ways`, async () => {
      const layout = await layoutGraph(buildGraph(definition), new Set());
      for (const panel of PANELS) {
        const box = onScreen(layout, panel);
        // Inside the panel…
        expect(box.left).toBeGreaterThanOrEqual(0);
        expect(box.top).toBeGreaterThanOrEqual(0);
        expect(box.right).toBeLessThanOrEqual(panel.width + 0.5);
        expect(box.bottom).toBeLessThanOrEqual(panel.height + 0.5);
        // …centred (equal margins, to the pixel)…
        expect(Math.abs(box.left - (panel.width - box.right))).toBeLessThan(1);
        expect(Math.abs(box.top - (panel.height - box.bottom))).toBeLessThan(1);
        // …and filling it in one direction unless that would zoom past 120 %.
        const fills = box.right - box.left >= panel.width - 25 || box.bottom - box.top >= panel.height - 25;
        expect(fills || box.k === 1.2, `${name} in ${panel.width}×${panel.height}: k=${box.k}`).toBe(true);
      }
    });
  }
});
