/**
 * The metric-evolution plot draws a series' regressions as one path of triangles, so its size in elements does not
 * grow with the number of regressions (at 10k runs a view held over 1,600 markers, three elements each, and they
 * were most of the graph's first render). The count stays readable: in the path's data and in the plot's label.
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { MetricSeries } from "@/lib/pipelines/schema";
import { runToPoint } from "./evolution-hover";
import { bandPath, EvolutionPlot, regressionPath } from "./evolution-plot";
import { computeGeometry } from "./geometry";

const RUNS = 2_000;

/** A series of RUNS runs, every `every`-th of which regressed (value 0.5 against a baseline of 0.6). */
function answer(direction: "higher" | "lower", every: number): MetricSeries {
  const index = Array.from({ length: RUNS }, (_, i) => i);
  const regressedRuns = index.filter((i) => i % every === 0);
  return {
    pipelineId: 1,
    x: "number",
    width: 1200,
    domain: [1, RUNS],
    window: 10,
    threshold: 3,
    runs: {
      publicId: index.map((i) => `r${i}`),
      name: index.map((i) => `run-${i}`),
      status: index.map(() => "SUCCEEDED"),
      startedAt: index.map((i) => i * 1000),
      number: index.map((i) => i + 1),
    },
    series: [
      {
        name: "validation:auc",
        direction,
        count: RUNS,
        x: index.map((i) => i + 1),
        y: index.map((i) => (i % every === 0 ? 0.5 : 0.6)),
        run: index,
        previous: index.map(() => null),
        baseline: index.map(() => 0.6),
        regressions: {
          x: regressedRuns.map((i) => i + 1),
          y: regressedRuns.map(() => 0.5),
          run: regressedRuns,
          baseline: regressedRuns.map(() => 0.6),
        },
      },
    ],
    failed: [],
    definitionChanges: [],
  };
}

function render(data: MetricSeries): string {
  const geometry = computeGeometry(data, 1200, "split", String);
  return renderToStaticMarkup(createElement(EvolutionPlot, { data, geometry, formatX: String, xTicks: [] }));
}

const elements = (markup: string) => (markup.match(/<[a-z]/g) ?? []).length;

describe("regression markers", () => {
  it("are one path per series whatever their number, with their count in its data and in the plot's label", () => {
    const few = render(answer("higher", 400)); // 5 regressions
    const many = render(answer("higher", 2)); // 1,000 regressions
    expect(elements(many)).toBe(elements(few));
    expect(many).not.toContain("<title>");
    const path = many.match(/<path[^>]*data-testid="regression-marks"[^>]*>/)?.[0] ?? "";
    expect(path).toContain('data-count="1000"');
    expect(path.match(/z/g)).toHaveLength(1_000);
    expect(many).toMatch(/aria-label="[^"]*1,000 regressions/);
    expect(few).toMatch(/aria-label="[^"]*5 regressions/);
  });

  it("draws no path for a series without regressions", () => {
    const none = answer("higher", 1);
    const series = none.series[0];
    if (!series) throw new Error("no series");
    series.regressions = { x: [], y: [], run: [], baseline: [] };
    expect(render(none)).not.toContain("regression-marks");
  });

  it("point away from the value: down under it when higher is better, up over it when lower is", () => {
    const x = (v: number) => v * 10;
    const y = (v: number) => 100 - v * 100;
    const one = { x: [3], y: [0.5], run: [2], baseline: [0.6] };
    expect(regressionPath(one, x, y, true)).toBe("M24 58h12l-6 10z");
    expect(regressionPath(one, x, y, false)).toBe("M24 42h12l-6 -10z");
  });
});

describe("the threshold band", () => {
  it("is one closed outline per stretch of points with a baseline: upper edge forwards, lower edge back", () => {
    const series = answer("higher", 1).series[0];
    if (!series) throw new Error("no series");
    // Points 0–2 and 4–5 have a baseline; 3 and 6 have none, and the lone point at the end (7) gets no band.
    const s = { ...series, baseline: [1, 2, 3, null, 10, 10, null, 5] };
    const px = Float64Array.from([0, 10, 20, 30, 40, 50, 60, 70]);
    const y = (v: number) => 100 - v;
    // In tenths of a pixel, relative steps: (0, 98.9) (10, 97.8) (20, 96.7), then back (20, 97.3) (10, 98.2) (0, 99.1).
    expect(bandPath(s, px, y, 0.1)).toBe("M0 989l100 -11l100 -11l0 6l-100 9l-100 9ZM400 890l100 0l0 20l-100 0Z");
  });
});

describe("hover: from a run to its point in every series", () => {
  it("finds each run's point per series, and none where a series has no point for the run", () => {
    const data = answer("higher", 7);
    const [first] = data.series;
    if (!first) throw new Error("no series");
    // A second series that skips every other run and lists its points out of run order, plus a run without a
    // label (-1), as the endpoint answers for a run deleted since its statement.
    const odd = Array.from({ length: RUNS / 2 }, (_, k) => RUNS - 1 - 2 * k);
    data.series.push({ ...first, name: "other", run: [...odd, -1], x: [...odd, 0], y: [...odd.map(() => 1), 1] });
    const [byRun0, byRun1] = runToPoint(data);
    expect(byRun0?.[0]).toBe(0);
    expect(byRun0?.[RUNS - 1]).toBe(RUNS - 1);
    expect(byRun1?.[RUNS - 1]).toBe(0);
    expect(byRun1?.[RUNS - 3]).toBe(1);
    expect(byRun1?.[RUNS - 2]).toBe(-1);
    expect(byRun1?.length).toBe(RUNS);
  });
});
