/**
 * What the metric-evolution graph writes on its panels: with several metrics each stacked panel is titled,
 * and a metric with a label (the reserved cost metric) is titled by its label, never by its raw name.
 */
import { describe, expect, it } from "vitest";
import { metricLabel, RUN_COST_METRIC } from "@/lib/metrics/direction";
import type { MetricSeries } from "@/lib/pipelines/schema";
import { computeGeometry } from "./geometry";

const series = (name: string, y: number[]): MetricSeries["series"][number] => ({
  name,
  direction: "lower",
  count: y.length,
  x: y.map((_, i) => i + 1),
  y,
  run: y.map((_, i) => i),
  previous: y.map(() => null),
  baseline: y.map(() => null),
  regressions: { x: [], y: [], run: [], baseline: [] },
});

const data = (names: string[]): MetricSeries => ({
  pipelineId: 1,
  x: "number",
  width: 600,
  domain: [1, 3],
  window: 10,
  threshold: 3,
  runs: {
    publicId: ["r1", "r2", "r3"],
    name: ["run-1", "run-2", "run-3"],
    status: ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"],
    startedAt: [1, 2, 3],
    number: [1, 2, 3],
  },
  series: names.map((name) => series(name, [0.5, 0.4, 0.45])),
  failed: [],
  definitionChanges: [],
});

describe("metric-evolution panel titles", () => {
  it("titles the cost series' panel with its label, other metrics by their name", () => {
    const g = computeGeometry(data(["validation:loss", RUN_COST_METRIC]), 640, "split", String);
    expect(g.panels.map((p) => p.label)).toEqual(["validation:loss", "Cost per run (USD, approx.)"]);
    expect(g.panels.map((p) => p.label)).not.toContain(RUN_COST_METRIC);
    expect(metricLabel(RUN_COST_METRIC)).toBe("Cost per run (USD, approx.)");
  });

  it("writes no title on a single panel or on the one normalised panel (the legend names the series)", () => {
    expect(computeGeometry(data([RUN_COST_METRIC]), 640, "split", String).panels[0]?.label).toBeNull();
    const normalised = computeGeometry(data(["validation:loss", RUN_COST_METRIC]), 640, "normalised", String);
    expect(normalised.panels.map((p) => p.label)).toEqual([null]);
  });
});
