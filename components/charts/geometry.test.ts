/**
 * What the metric-evolution graph writes on its panels: with several metrics each stacked panel is titled,
 * and a metric with a label (the reserved cost metric) is titled by its label, never by its raw name.
 */

import { scaleLinear } from "@visx/scale";
import { describe, expect, it } from "vitest";
import { metricLabel, RUN_COST_METRIC } from "@/lib/metrics/direction";
import type { MetricSeries } from "@/lib/pipelines/schema";
import {
  computeGeometry,
  dotsPath,
  dotsPathTenths,
  linear,
  linePath,
  linePathTenths,
  seriesDomain,
  tenths,
  tenthsDash,
} from "./geometry";

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

describe("the graph's linear maps and y range, written as plain arithmetic", () => {
  it("map and invert as visx's scaleLinear does, including a domain of zero width", () => {
    const cases: [[number, number], [number, number]][] = [
      [
        [0, 1],
        [64, 1424],
      ],
      [
        [1_700_000_000_000, 1_760_000_000_000],
        [64, 1424],
      ],
      [
        [-0.05, 1.05],
        [308, 8],
      ],
      [
        [0.42, 0.42],
        [158, 8],
      ],
    ];
    for (const [domain, range] of cases) {
      const ours = linear(domain, range);
      const theirs = scaleLinear<number>({ domain, range });
      for (const t of [-0.5, 0, 0.1, 0.5, 0.99, 1, 2]) {
        const v = domain[0] + (domain[1] - domain[0]) * t;
        expect(ours(v)).toBeCloseTo(theirs(v), 6);
        if (domain[1] !== domain[0]) expect(ours.invert(theirs(v))).toBeCloseTo(v, -1);
      }
    }
  });

  it("pads the extent of the values and the baseline band, skipping gaps in the baseline", () => {
    const s = { ...series("validation:loss", [0.5, 0.4, 0.45]), baseline: [null, 0.5, 0.45] };
    // Values 0.4..0.5; band at 3 %: 0.5 ± 0.015 and 0.45 ± 0.0135 → 0.4 .. 0.515, padded by 6 % of 0.115.
    const [lo, hi] = seriesDomain(s, 0.03) ?? [Number.NaN, Number.NaN];
    expect(lo).toBeCloseTo(0.4 - 0.115 * 0.06, 9);
    expect(hi).toBeCloseTo(0.515 + 0.115 * 0.06, 9);
    expect(seriesDomain({ ...s, y: [], baseline: [] }, 0.03)).toBeNull();
    // One value: padded by 5 % of itself, never a zero-height range.
    expect(seriesDomain({ ...s, y: [2], baseline: [null] }, 0.03)).toEqual([1.9, 2.1]);
  });

  it("the normalised panel maps each series' own extent onto the same band of the panel", () => {
    const d = data(["validation:loss", RUN_COST_METRIC]);
    d.series[1] = series(RUN_COST_METRIC, [10, 30, 20]);
    const g = computeGeometry(d, 640, "normalised", String);
    // Lowest value of each series at the same pixel, highest likewise, whatever their units.
    expect(g.py[0]?.[1]).toBeCloseTo(g.py[1]?.[0] as number, 9);
    expect(g.py[0]?.[0]).toBeCloseTo(g.py[1]?.[1] as number, 9);
    expect(g.x(g.xInvert(300))).toBeCloseTo(300, 9);
  });
});

/** The absolute points (in pixels) a TenthsPath's data visits, read back as a renderer reads it. */
function visited(d: string): [number, number][] {
  const points: [number, number][] = [];
  let x = 0;
  let y = 0;
  for (const [, command, args] of d.matchAll(/([MmlhZ])([^MmlhZ]*)/g)) {
    const [a = 0, b = 0] = (args ?? "").trim().split(" ").filter(Boolean).map(Number);
    if (command === "M") [x, y] = [a, b];
    else if (command === "m" || command === "l") [x, y] = [x + a, y + b];
    else continue;
    points.push([x / 10, y / 10]);
  }
  return points;
}

describe("dense paths in tenths of a pixel, relative steps", () => {
  // A deterministic wiggle with coordinates that round both ways (no randomness: the same cases every run).
  const n = 5_000;
  const px = Float64Array.from({ length: n }, (_, i) => 64 + i * 0.2713);
  const py = Float64Array.from({ length: n }, (_, i) => 150 + Math.sin(i / 7) * 97.31 - (i % 13) * 0.049);

  it("visit every point at the nearest tenth of a pixel, without drift over thousands of steps", () => {
    const expected = Array.from(px, (x, i) => [Math.round(x * 10) / 10, Math.round((py[i] as number) * 10) / 10]);
    const line = visited(linePathTenths(px, py));
    const dots = visited(dotsPathTenths(px, py));
    expect(line).toHaveLength(n);
    expect(dots).toHaveLength(n);
    for (let i = 0; i < n; i++) {
      expect(line[i]?.[0]).toBeCloseTo(expected[i]?.[0] as number, 9);
      expect(line[i]?.[1]).toBeCloseTo(expected[i]?.[1] as number, 9);
      expect(dots[i]).toEqual(line[i]);
    }
    // The decimal-pixel writers of the small charts visit the same points.
    const decimal = [...linePath(px, py).matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(decimal).toEqual(line.map(([x, y]) => [Number(tenths(x)), Number(tenths(y))]));
    expect(dotsPath(px, py).length).toBeGreaterThan(dotsPathTenths(px, py).length);
  });

  it("writes integers and dots as zero-length subpaths", () => {
    const x = Float64Array.from([64, 70.25, 80.04]);
    const y = Float64Array.from([10, 20.5, -0.3]);
    expect(linePathTenths(x, y)).toBe("M640 100l63 105l97 -208");
    expect(dotsPathTenths(x, y)).toBe("M640 100h0m63 105h0m97 -208h0");
    expect(linePathTenths(new Float64Array(), new Float64Array())).toBe("");
    expect([tenthsDash(""), tenthsDash("7 4"), tenthsDash("10 3 2 3")]).toEqual([undefined, "70 40", "100 30 20 30"]);
  });
});
