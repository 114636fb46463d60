/**
 * What the metric-evolution graph writes on its panels: with several metrics each stacked panel is titled,
 * and a metric with a label (the reserved cost metric) is titled by its label, never by its raw name.
 */
import { describe, expect, it } from "vitest";
import { metricLabel, RUN_COST_METRIC } from "@/lib/metrics/direction";
import type { MetricSeries } from "@/lib/pipelines/schema";
import { computeGeometry, dotsPath, linePath, tenths } from "./geometry";

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

describe("path coordinates to a tenth of a pixel", () => {
  it("writes the nearest tenth (Math.round's, halves up; toFixed(1) differs by a tenth at most), no trailing zero", () => {
    const values: number[] = [0, -0, 0.04, -0.04, 0.05, -0.05, 0.25, -0.25, 0.35, 1e-9, 99.95, -99.95, 1440, -1440.06];
    // A deterministic sweep across signs and magnitudes (no randomness: the same cases every run).
    for (let i = -20_000; i <= 20_000; i += 7) values.push(i / 13, i * 3.7, i / 1000);
    for (const v of values) {
      const written = tenths(v);
      // === rather than toBe (Object.is): -0 and 0 are the same coordinate.
      expect(Number(written) === Math.round(v * 10) / 10, `tenths(${v}) = ${written}`).toBe(true);
      expect(Math.abs(Number(written) - Number(v.toFixed(1)))).toBeLessThanOrEqual(0.1000001);
      expect(written).toMatch(/^-?\d+(\.\d)?$/);
      expect(written.endsWith(".0")).toBe(false);
    }
    expect([tenths(64), tenths(101.44), tenths(-0.3), tenths(-12.34), tenths(0.96)]).toEqual([
      "64",
      "101.4",
      "-0.3",
      "-12.3",
      "1",
    ]);
  });

  it("keeps a value that is not a number visible as such rather than as a plausible coordinate", () => {
    expect([tenths(Number.NaN), tenths(Number.POSITIVE_INFINITY)]).toEqual(["NaN", "Infinity"]);
  });

  it("line and dots paths", () => {
    const px = Float64Array.from([64, 70.25, 80.04]);
    const py = Float64Array.from([10, 20.5, -0.3]);
    expect(linePath(px, py)).toBe("M64 10L70.3 20.5L80 -0.3");
    expect(dotsPath(px, py)).toBe("M64 10h0M70.3 20.5h0M80 -0.3h0");
  });
});
