/**
 * The metric-evolution graph's two requests (the plot's series and the overview's), built in ONE place for the
 * graph (client) and for the page's server render, which preloads them: the page's HTML names the exact URLs the
 * graph will fetch, so the series is computed while the browser still loads and runs the page's JavaScript.
 * The server cannot measure the graph; the graph remembers the width it measured in a cookie
 * (GRAPH_WIDTH_COOKIE, a number and nothing else), and the server preloads only when it has one.
 */
import { queryString } from "@/components/ui/fetch-json";
import type { XAxis } from "@/lib/pipelines/schema";
import { MARGIN } from "./geometry";

export const GRAPH_WIDTH_COOKIE = "stepwise-graph-width";
const MIN_WIDTH = 320;
const MAX_WIDTH = 8000;
const STEP = 40;

/** What the requests depend on: the metrics, the x axis, the zoom window and the regression threshold. */
export type SeriesState = {
  metrics: string[];
  x: XAxis;
  from: string | null;
  to: string | null;
  threshold: number;
};

/** The width the graph requests for a measured one: 40 px steps, so resizing by a few pixels does not refetch. */
export function requestWidth(measured: number): number {
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.floor(measured / STEP) * STEP));
}

/** The remembered width, or null when the cookie is absent or is not one the graph could have written. */
export function widthFromCookie(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return null;
  const width = Number(value);
  return width === requestWidth(width) ? width : null;
}

export function seriesParams(state: SeriesState, width: number): Record<string, string> {
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

export function overviewParams(state: Pick<SeriesState, "metrics" | "x">, width: number): Record<string, string> {
  return {
    names: state.metrics[0] ?? "",
    width: String(Math.max(16, Math.floor((width - MARGIN.left - MARGIN.right) / 2))),
    x: state.x,
  };
}

export const seriesUrl = (pipelineId: number, params: Record<string, string>) =>
  `/api/v1/pipelines/${pipelineId}/metrics${queryString(params)}`;
