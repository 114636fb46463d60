/**
 * Screen geometry of the metric-evolution graph, computed once per (data, size, mode) and shared by
 * the static plot and the hover layer: pixel x / y of every point as typed arrays sorted by x, so a
 * pointer move is a binary search and a few reads, never a recomputation or a re-render of the SVG.
 */
import { scaleLinear } from "@visx/scale";
import { metricLabel } from "@/lib/metrics/direction";
import { extent } from "@/lib/metrics/nearest";
import type { MetricSeries } from "@/lib/pipelines/schema";

export type ScaleMode = "split" | "normalised";

export const MARGIN = { left: 64, right: 16, top: 8, bottom: 28 };
const PANEL_GAP = 22;
const PANEL_HEIGHT = 150;
const SINGLE_HEIGHT = 300;

export type Panel = {
  top: number;
  height: number;
  /** series drawn in this panel */
  series: number[];
  /** value → px, per series (normalised mode: each series maps its own extent onto the panel) */
  y: ((v: number) => number)[];
  ticks: { value: number; px: number; label: string }[];
  /** the series' name as people read it (metricLabel), drawn at the panel's top when there are several */
  label: string | null;
};

export type Geometry = {
  width: number;
  height: number;
  innerWidth: number;
  xDomain: [number, number];
  x: (v: number) => number;
  xInvert: (px: number) => number;
  panels: Panel[];
  /** per series: pixel x / y of each point, and the panel it is drawn in */
  px: Float64Array[];
  py: Float64Array[];
  panelOf: number[];
};

export function seriesDomain(s: MetricSeries["series"][number], threshold: number): [number, number] | null {
  const lo = s.baseline.map((b) => (b === null ? null : b - Math.abs(b) * threshold));
  const hi = s.baseline.map((b) => (b === null ? null : b + Math.abs(b) * threshold));
  const e = extent(s.y, lo, hi);
  if (!e) return null;
  const pad = (e[1] - e[0]) * 0.06 || Math.abs(e[0]) * 0.05 || 1;
  return [e[0] - pad, e[1] + pad];
}

export function computeGeometry(
  data: MetricSeries,
  width: number,
  mode: ScaleMode,
  format: (v: number) => string,
): Geometry {
  const innerWidth = Math.max(40, width - MARGIN.left - MARGIN.right);
  const xDomain: [number, number] = data.domain ?? [0, 1];
  const span = xDomain[1] - xDomain[0];
  const xs = scaleLinear<number>({
    domain: span > 0 ? xDomain : [xDomain[0] - 1, xDomain[1] + 1],
    range: [MARGIN.left, MARGIN.left + innerWidth],
  });
  const threshold = data.threshold / 100;
  const n = data.series.length;
  const panels: Panel[] = [];
  const panelOf: number[] = [];

  const makeTicks = (scale: (v: number) => number, domain: [number, number], normalised: boolean) =>
    scaleLinear<number>({ domain })
      .ticks(4)
      .map((value) => ({ value, px: scale(value), label: normalised ? `${Math.round(value * 100)}%` : format(value) }));

  if (mode === "split" || n <= 1) {
    data.series.forEach((s, i) => {
      const top = MARGIN.top + i * (PANEL_HEIGHT + PANEL_GAP);
      const height = n <= 1 ? SINGLE_HEIGHT : PANEL_HEIGHT;
      const domain = seriesDomain(s, threshold) ?? [0, 1];
      const ys = scaleLinear<number>({ domain, range: [top + height, top] });
      panels.push({
        top,
        height,
        series: [i],
        y: [(v) => ys(v)],
        ticks: makeTicks((v) => ys(v), domain, false),
        label: n > 1 ? metricLabel(s.name) : null,
      });
      panelOf.push(i);
    });
  } else {
    const top = MARGIN.top;
    const height = SINGLE_HEIGHT;
    const y = data.series.map((s) => {
      const e = extent(s.y) ?? [0, 1];
      const spanY = e[1] - e[0] || 1;
      const ys = scaleLinear<number>({ domain: [-0.05, 1.05], range: [top + height, top] });
      return (v: number) => ys((v - e[0]) / spanY);
    });
    const unit = scaleLinear<number>({ domain: [-0.05, 1.05], range: [top + height, top] });
    panels.push({
      top,
      height,
      series: data.series.map((_, i) => i),
      y,
      ticks: makeTicks((v) => unit(v), [0, 1], true),
      label: null,
    });
    for (let i = 0; i < n; i++) panelOf.push(0);
  }

  const px = data.series.map((s) => Float64Array.from(s.x, (v) => xs(v)));
  const py = data.series.map((s, i) => {
    const panel = panels[panelOf[i] as number] as Panel;
    const f = panel.y[panel.series.indexOf(i)] as (v: number) => number;
    return Float64Array.from(s.y, f);
  });
  const last = panels.at(-1);
  const height = (last ? last.top + last.height : MARGIN.top + SINGLE_HEIGHT) + MARGIN.bottom;
  return {
    width,
    height,
    innerWidth,
    xDomain,
    x: (v) => xs(v),
    xInvert: (p) => xs.invert(p),
    panels,
    px,
    py,
    panelOf,
  };
}

/** "M x y L x y …" for a polyline, built as one string (one <path> per series, whatever the point count). */
export function linePath(px: Float64Array, py: Float64Array): string {
  let d = "";
  for (let i = 0; i < px.length; i++)
    d += `${i === 0 ? "M" : "L"}${tenths(px[i] as number)} ${tenths(py[i] as number)}`;
  return d;
}

/** Zero-length segments drawn with round caps: every point as a dot, in one <path>. */
export function dotsPath(px: Float64Array, py: Float64Array): string {
  let d = "";
  for (let i = 0; i < px.length; i++) d += `M${tenths(px[i] as number)} ${tenths(py[i] as number)}h0`;
  return d;
}

/**
 * A pixel coordinate in a path, to the nearest tenth of a pixel without a trailing zero ("64", "101.4", "-0.3"):
 * `Math.round(v * 10) / 10`, written from integers. The graph's paths hold tens of thousands of coordinates,
 * and `toFixed(1)` was most of their building time (2.5× slower in V8; it also wrote "64.0").
 */
export function tenths(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const k = Math.round(v * 10);
  const whole = Math.trunc(k / 10);
  const digit = Math.abs(k - whole * 10);
  if (digit === 0) return `${whole}`;
  return k < 0 && whole === 0 ? `-0.${digit}` : `${whole}.${digit}`;
}

export const SERIES_DASH = ["", "7 4", "2 3", "10 3 2 3", "4 4", "1 2"];
export const seriesColor = (i: number) => `var(--series-${i % 6})`;
