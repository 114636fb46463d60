/**
 * assembleMetricSeries orders what the statement sends unordered: the same answer whatever order the rows come in.
 */
import { describe, expect, it } from "vitest";
import { assembleMetricSeries } from "./queries";
import type { RunLabel } from "./run-labels";
import { MetricSeriesQuery } from "./schema";
import { seriesRun } from "./series-runs";
import type { MetricSeriesTuple } from "./sql/metric-series";
import { seriesRegressions } from "./testing";

/** Labels of the runs the rows refer to (lib/pipelines/run-labels.ts reads them): run numbers 1, 2, 3, 3. */
const LABELS = new Map<number, RunLabel>(
  [
    [10, 1],
    [20, 2],
    [30, 3],
    [40, 3],
  ].map(([id = 0, n = 0]) => [
    id,
    {
      publicId: `p${id}`,
      name: `run-${id}`,
      status: id === 30 ? "FAILED" : "SUCCEEDED",
      startedAt: 1000 + n,
      number: n,
    },
  ]),
);
const point = (name: string, x: number, y: number, id: number): MetricSeriesTuple => [
  "point",
  name,
  x,
  y,
  id,
  y - 0.01,
  y - 0.02,
  null,
];
const ROWS: MetricSeriesTuple[] = [
  point("auc", 3, 0.7, 40),
  point("auc", 1, 0.8, 10),
  point("auc", 2, 0.9, 20),
  point("loss", 2, 0.3, 20),
  point("loss", 1, 0.2, 10),
  ["regression", "auc", 3, 0.7, 40, null, 0.85, null],
  ["regression", "auc", 1, 0.8, 10, null, 0.9, null],
  ["count", "auc", null, null, null, null, null, 3],
  ["failed", null, 3, null, 30, null, null, 2],
  ["change", null, 2, null, 20, null, 7, null],
  ["domain", null, 1, 3, null, null, null, null],
  ["pipeline", null, null, null, null, null, null, null],
];

/** A fixed permutation per seed (no randomness: the test is the same every run). */
const permute = (rows: MetricSeriesTuple[], seed: number) =>
  rows
    .map((row, i) => ({ row, key: (i * 7919 + seed * 104729) % 1009 }))
    .sort((a, b) => a.key - b.key)
    .map((e) => e.row);

describe("assembleMetricSeries", () => {
  const query = MetricSeriesQuery.parse({ names: "auc,loss", width: "400", x: "number" });
  const assemble = (rows: MetricSeriesTuple[]) =>
    assembleMetricSeries(rows, LABELS, { pipelineId: 1, query, directions: ["higher", "lower"] });

  it("lists runs by x then id, and sorts every series, mark and change by x", () => {
    const answer = assemble(ROWS);
    expect(answer.runs.publicId).toEqual(["p10", "p20", "p30", "p40"]);
    expect(answer.runs.number).toEqual([1, 2, 3, 3]);
    const [auc, loss] = answer.series;
    expect(auc).toMatchObject({ name: "auc", direction: "higher", count: 3, x: [1, 2, 3], y: [0.8, 0.9, 0.7] });
    expect(auc?.run.map((i) => answer.runs.publicId[i])).toEqual(["p10", "p20", "p40"]);
    expect(auc?.regressions.x.map((x, i) => [x, answer.runs.publicId[auc.regressions.run[i] ?? -1]])).toEqual([
      [1, "p10"],
      [3, "p40"],
    ]);
    expect(loss).toMatchObject({ count: 0, x: [1, 2], y: [0.2, 0.3], previous: [0.19, 0.29] });
    expect(answer.failed).toEqual([{ x: 3, run: 2, count: 2 }]);
    expect(answer.definitionChanges).toEqual([{ x: 2, run: 1, revisionId: 7 }]);
    expect(answer.domain).toEqual([1, 3]);
  });

  it("carries metric values to 7 significant digits, and x, counts and ids exactly", () => {
    const ms = 1_733_212_345_678;
    const answer = assembleMetricSeries(
      [
        ["point", "auc", ms, 0.91234567891234, 10, 0.81234567891234, 0.7123456789012, null],
        ["point", "auc", ms + 1, 0.5, 20, null, null, null],
        ["regression", "auc", ms, 0.91234567891234, 10, null, 0.95432109876543, null],
        ["count", "auc", null, null, null, null, null, 123_456_789],
        ["change", null, ms, null, 10, null, 123_456_789, null],
        ["domain", null, ms, ms + 987_654_321, null, null, null, null],
        ["pipeline", null, null, 0, null, null, null, null],
      ],
      LABELS,
      { pipelineId: 1, query: { ...query, names: ["auc"] }, directions: ["higher"] },
    );
    expect(answer.series[0]).toMatchObject({
      count: 123_456_789,
      x: [ms, ms + 1],
      y: [0.9123457, 0.5],
      previous: [0.8123457, null],
      baseline: [0.7123457, null],
      regressions: { x: [ms], y: [0.9123457], baseline: [0.9543211] },
    });
    expect(answer.definitionChanges).toEqual([{ x: ms, run: 0, revisionId: 123_456_789 }]);
    expect(answer.domain).toEqual([ms, ms + 987_654_321]);
  });

  it("gives the same answer whatever order the rows arrive in", () => {
    const expected = assemble(ROWS);
    for (const seed of [1, 2, 3, 4, 5]) expect(assemble(permute(ROWS, seed))).toEqual(expected);
    expect(assemble([...ROWS].reverse())).toEqual(expected);
  });
});

describe("seriesRun, seriesRegressions", () => {
  const query = MetricSeriesQuery.parse({ names: "auc,loss", width: "400", x: "number" });
  const answer = assembleMetricSeries(ROWS, LABELS, { pipelineId: 1, query, directions: ["higher", "lower"] });

  it("reads one run of the columns back, and nothing for an index the answer does not have", () => {
    expect(seriesRun(answer, 1)).toEqual({
      publicId: "p20",
      name: answer.runs.name[1],
      status: answer.runs.status[1],
      startedAt: answer.runs.startedAt[1],
      number: 2,
    });
    // -1 is what a point refers to when its run was not listed; the rest are hostile or stale indexes.
    for (const index of [-1, 4, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(seriesRun(answer, index)).toBe(undefined);
    const byTime = assembleMetricSeries(ROWS, LABELS, {
      pipelineId: 1,
      query: { ...query, x: "time" },
      directions: ["higher", "lower"],
    });
    expect(seriesRun(byTime, 0)?.number).toBe(null);
  });

  it("turns a series' regression columns into one object per regression, in x order", () => {
    expect(seriesRegressions(answer.series[0]?.regressions ?? { x: [], y: [], run: [], baseline: [] })).toEqual([
      { x: 1, y: expect.any(Number), run: 0, baseline: expect.any(Number) },
      { x: 3, y: expect.any(Number), run: 3, baseline: expect.any(Number) },
    ]);
  });
});
