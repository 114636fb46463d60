/**
 * The metric-evolution graph's series requests as parameters, shared by the client island (its TanStack
 * Query keys) and the pipeline page's server read of the first view (app/(portal)/pipelines/[pipelineId]/
 * first-graph.tsx): both must ask for exactly the same thing, or the client would not find the server's data
 * under its key and would ask again. No React, no server imports.
 */
import type { MetricSeries, XAxis } from "@/lib/pipelines/schema";
import { MARGIN, type ScaleMode } from "./geometry";

export type GraphState = {
  metrics: string[];
  x: XAxis;
  scale: ScaleMode;
  from: string | null;
  to: string | null;
  threshold: number;
};

/** The drawn width the client last measured, so the server draws the first graph at the width it will have. */
export const GRAPH_WIDTH_COOKIE = "stepwise-graph-width";
/** Without the cookie: the portal's content width at a 1440 px window (1440 − main's and the chart's padding). */
export const DEFAULT_GRAPH_WIDTH = 1360;
const MIN_WIDTH = 320;
const MAX_WIDTH = 4000;

/** Widths in 40 px steps: resizing by a few pixels neither refetches nor redraws. */
export function widthClass(measured: number): number {
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.floor(measured / 40) * 40));
}

/** The cookie's value when it is one of our width classes, else the default. */
export function widthHint(raw: string | undefined): number {
  const value = Number(raw);
  return Number.isInteger(value) && value === widthClass(value) ? value : DEFAULT_GRAPH_WIDTH;
}

/**
 * Whether series downsampled for `dataWidth` still draw well at `width`: within a quarter, the first view's
 * server data is redrawn at the measured width instead of being asked for again.
 */
export function closeEnough(dataWidth: number, width: number): boolean {
  return width >= dataWidth * 0.75 && width <= dataWidth * 1.25;
}

export function seriesParams(state: GraphState, width: number): Record<string, string> {
  const p: Record<string, string> = {
    names: state.metrics.join(","),
    width: String(Math.max(16, width - MARGIN.left - MARGIN.right)),
    x: state.x,
    threshold: String(state.threshold),
  };
  if (state.from) p.from = state.from;
  if (state.to) p.to = state.to;
  return p;
}

/** The brush's overview: the first metric over the whole range at half the resolution. */
export function overviewParams(state: GraphState, width: number): Record<string, string> {
  return {
    names: state.metrics[0] ?? "",
    width: String(Math.max(16, Math.floor((width - MARGIN.left - MARGIN.right) / 2))),
    x: state.x,
  };
}

/** The first view as the server read it: the width it was drawn for and both requests' answers. */
export type FirstGraph = {
  width: number;
  series: PackedSeries;
  /** Only what the brush draws (domain and the first series' x / y): the overview is never hovered. */
  overview: OverviewSeries;
};

export type OverviewSeries = Pick<MetricSeries, "pipelineId" | "x" | "width" | "domain"> & {
  series: Pick<MetricSeries["series"][number], "name" | "x" | "y">[];
};

export function overviewOf(data: MetricSeries): OverviewSeries {
  return {
    pipelineId: data.pipelineId,
    x: data.x,
    width: data.width,
    domain: data.domain,
    series: data.series.slice(0, 1).map((s) => ({ name: s.name, x: s.x, y: s.y })),
  };
}

type Run = MetricSeries["runs"][number];

/**
 * The series as the page's payload carries them: the runs as columns (their statuses as indexes into the few
 * that occur), not thousands of objects repeating five keys. The hover needs every field, so nothing is left
 * out; at 100k runs × 3 metrics the runs are most of the payload.
 */
export type PackedSeries = Omit<MetricSeries, "runs"> & {
  runColumns: {
    publicId: string[];
    name: string[];
    statuses: Run["status"][];
    status: number[];
    startedAt: number[];
    number: (number | null)[];
  };
};

export function packSeries({ runs, ...rest }: MetricSeries): PackedSeries {
  const statuses: Run["status"][] = [];
  const statusIndex = (status: Run["status"]) => {
    const i = statuses.indexOf(status);
    return i >= 0 ? i : statuses.push(status) - 1;
  };
  return {
    ...rest,
    runColumns: {
      publicId: runs.map((r) => r.publicId),
      name: runs.map((r) => r.name),
      statuses,
      status: runs.map((r) => statusIndex(r.status)),
      startedAt: runs.map((r) => r.startedAt),
      number: runs.map((r) => r.number),
    },
  };
}

export function unpackSeries({ runColumns: c, ...rest }: PackedSeries): MetricSeries {
  return {
    ...rest,
    runs: c.publicId.map((publicId, i) => ({
      publicId,
      name: c.name[i] ?? "",
      status: c.statuses[c.status[i] ?? 0] ?? "SUCCEEDED",
      startedAt: c.startedAt[i] ?? 0,
      number: c.number[i] ?? null,
    })),
  };
}
