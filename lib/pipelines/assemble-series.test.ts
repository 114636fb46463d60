/**
 * assembleMetricSeries orders what the statement sends unordered: the same answer whatever order the rows come in.
 */
import { describe, expect, it } from "vitest";
import { assembleMetricSeries } from "./queries";
import { MetricSeriesQuery } from "./schema";
import type { MetricSeriesTuple } from "./sql/metric-series";

const run = (id: number, x: number): MetricSeriesTuple => [
  "run",
  null,
  x,
  null,
  id,
  null,
  null,
  null,
  `p${id}`,
  `run-${id}`,
  id === 30 ? "FAILED" : "SUCCEEDED",
  1000 + x,
];
const point = (name: string, x: number, y: number, id: number): MetricSeriesTuple => [
  "point",
  name,
  x,
  y,
  id,
  y - 0.01,
  y - 0.02,
  null,
  null,
  null,
  null,
  null,
];
const ROWS: MetricSeriesTuple[] = [
  run(10, 1),
  run(20, 2),
  run(30, 3),
  run(40, 3),
  point("auc", 3, 0.7, 40),
  point("auc", 1, 0.8, 10),
  point("auc", 2, 0.9, 20),
  point("loss", 2, 0.3, 20),
  point("loss", 1, 0.2, 10),
  ["regression", "auc", 3, 0.7, 40, null, 0.85, null, null, null, null, null],
  ["regression", "auc", 1, 0.8, 10, null, 0.9, null, null, null, null, null],
  ["count", "auc", null, null, null, null, null, 3, null, null, null, null],
  ["failed", null, 3, null, 30, null, null, 2, null, null, null, null],
  ["change", null, 2, null, 20, null, 7, null, null, null, null, null],
  ["domain", null, 1, 3, null, null, null, null, null, null, null, null],
  ["pipeline", null, null, null, null, null, null, null, null, null, null, null],
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
    assembleMetricSeries(rows, { pipelineId: 1, query, directions: ["higher", "lower"] });

  it("lists runs by x then id, and sorts every series, mark and change by x", () => {
    const answer = assemble(ROWS);
    expect(answer.runs.map((r) => r.publicId)).toEqual(["p10", "p20", "p30", "p40"]);
    expect(answer.runs.map((r) => r.number)).toEqual([1, 2, 3, 3]);
    const [auc, loss] = answer.series;
    expect(auc).toMatchObject({ name: "auc", direction: "higher", count: 3, x: [1, 2, 3], y: [0.8, 0.9, 0.7] });
    expect(auc?.run.map((i) => answer.runs[i]?.publicId)).toEqual(["p10", "p20", "p40"]);
    expect(auc?.regressions.map((r) => [r.x, answer.runs[r.run]?.publicId])).toEqual([
      [1, "p10"],
      [3, "p40"],
    ]);
    expect(loss).toMatchObject({ count: 0, x: [1, 2], y: [0.2, 0.3], previous: [0.19, 0.29] });
    expect(answer.failed).toEqual([{ x: 3, run: 2, count: 2 }]);
    expect(answer.definitionChanges).toEqual([{ x: 2, run: 1, revisionId: 7 }]);
    expect(answer.domain).toEqual([1, 3]);
  });

  it("gives the same answer whatever order the rows arrive in", () => {
    const expected = assemble(ROWS);
    for (const seed of [1, 2, 3, 4, 5]) expect(assemble(permute(ROWS, seed))).toEqual(expected);
    expect(assemble([...ROWS].reverse())).toEqual(expected);
  });
});
