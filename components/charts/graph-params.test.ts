/**
 * The pipeline page's server read of the first graph and the island must agree on what they ask for (else the
 * island finds nothing under its key and asks again), and the packed runs must come back as they went.
 */
import { describe, expect, it } from "vitest";
import { type MetricSeries, MetricSeriesQuery } from "@/lib/pipelines/schema";
import {
  closeEnough,
  DEFAULT_GRAPH_WIDTH,
  type GraphState,
  overviewParams,
  packSeries,
  seriesParams,
  unpackSeries,
  widthClass,
  widthHint,
} from "./graph-params";

const state: GraphState = {
  metrics: ["validation:auc", "validation:loss"],
  x: "number",
  scale: "split",
  from: "10",
  to: "90",
  threshold: 2.5,
};

describe("graph params", () => {
  it("are a query the API accepts, with the drawn width less the margins", () => {
    const query = MetricSeriesQuery.parse(seriesParams(state, 1360));
    expect(query).toMatchObject({ names: state.metrics, width: 1280, x: "number", from: 10, to: 90, threshold: 2.5 });
    const overview = MetricSeriesQuery.parse(overviewParams(state, 1360));
    expect(overview).toMatchObject({ names: ["validation:auc"], width: 640, x: "number", from: null, to: null });
  });

  it("take widths in 40 px steps and a cookie only when it is one of them", () => {
    expect(widthClass(1222)).toBe(1200);
    expect(widthClass(100)).toBe(320);
    expect(widthHint("1200")).toBe(1200);
    expect(widthHint("1201")).toBe(DEFAULT_GRAPH_WIDTH);
    expect(widthHint("99999")).toBe(DEFAULT_GRAPH_WIDTH);
    expect(widthHint(undefined)).toBe(DEFAULT_GRAPH_WIDTH);
    expect(closeEnough(1360, 1200)).toBe(true);
    expect(closeEnough(1360, 800)).toBe(false);
  });
});

describe("packed series", () => {
  it("unpack to the same series", () => {
    const data: MetricSeries = {
      pipelineId: 7,
      x: "number",
      width: 1280,
      domain: [1, 3],
      window: 10,
      threshold: 3,
      runs: [
        { publicId: "a", name: "run-1", status: "SUCCEEDED", startedAt: 1_000, number: 1 },
        { publicId: "b", name: "run-2", status: "FAILED", startedAt: 2_000, number: 2 },
        { publicId: "c", name: "run-3", status: "SUCCEEDED", startedAt: 3_000, number: null },
      ],
      series: [
        {
          name: "validation:auc",
          direction: "higher",
          count: 2,
          x: [1, 3],
          y: [0.8, 0.7],
          run: [0, 2],
          previous: [null, 0.8],
          baseline: [null, 0.8],
          regressions: [{ x: 3, y: 0.7, run: 2, baseline: 0.8 }],
        },
      ],
      failed: [{ x: 2, run: 1, count: 1 }],
      definitionChanges: [],
    };
    const packed = packSeries(data);
    expect(packed.runColumns.statuses).toEqual(["SUCCEEDED", "FAILED"]);
    expect(unpackSeries(JSON.parse(JSON.stringify(packed)))).toEqual(data);
  });
});
