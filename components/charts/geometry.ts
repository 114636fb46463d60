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

/**
 * The y range a series needs: its values and its baseline band (baseline ± threshold), padded by 6 %. One pass,
 * no intermediate arrays: at 10k runs the band's two edges were 20k boxed numbers per series on first render.
 */
export function seriesDomain(s: MetricSeries["series"][number], threshold: number): [number, number] | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < s.y.length; i++) {
    const v = s.y[i] as number;
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const b = s.baseline[i];
    if (b === null || b === undefined || !Number.isFinite(b)) continue;
    const lo = b - Math.abs(b) * threshold;
    const hi = b + Math.abs(b) * threshold;
    if (lo < min) min = lo;
    if (hi > max) max = hi;
  }
  if (!(min <= max)) return null;
  const pad = (max - min) * 0.06 || Math.abs(min) * 0.05 || 1;
  return [min - pad, max + pad];
}

/** A linear map from `domain` onto `range`, with its inverse. */
export type Linear = ((v: number) => number) & { invert: (px: number) => number };

/**
 * What visx's (d3's) `scaleLinear` computes for a two-point domain, as plain arithmetic: the graph maps every
 * coordinate through one of these on first render (30k+ calls at 10k runs × 3 metrics), and d3's scale spends a
 * null check, an isNaN, a clamp and two closure calls on each. A domain of zero width maps to the range's middle,
 * as d3's does. Ticks still come from visx (`scaleLinear(…).ticks`).
 */
export function linear([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): Linear {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const mid = (r0 + r1) / 2;
  const f = (k === 0 ? () => mid : (v: number) => r0 + (v - d0) * k) as Linear;
  f.invert = k === 0 ? () => d0 : (px: number) => d0 + (px - r0) / k;
  return f;
}

/** `map` applied to every value, into a typed array (a loop: `Float64Array.from` with a callback is slower). */
function mapped(values: readonly number[], map: (v: number) => number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = map(values[i] as number);
  return out;
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
  const xs = linear(span > 0 ? xDomain : [xDomain[0] - 1, xDomain[1] + 1], [MARGIN.left, MARGIN.left + innerWidth]);
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
      const ys = linear(domain, [top + height, top]);
      panels.push({
        top,
        height,
        series: [i],
        y: [ys],
        ticks: makeTicks(ys, domain, false),
        label: n > 1 ? metricLabel(s.name) : null,
      });
      panelOf.push(i);
    });
  } else {
    const top = MARGIN.top;
    const height = SINGLE_HEIGHT;
    const unit = linear([-0.05, 1.05], [top + height, top]);
    const y = data.series.map((s) => {
      const e = extent(s.y) ?? [0, 1];
      // The series' own extent onto 0..1, then onto the panel: one linear map.
      const spanY = e[1] - e[0] || 1;
      return linear([e[0] - 0.05 * spanY, e[0] + 1.05 * spanY], [top + height, top]);
    });
    panels.push({
      top,
      height,
      series: data.series.map((_, i) => i),
      y,
      ticks: makeTicks(unit, [0, 1], true),
      label: null,
    });
    for (let i = 0; i < n; i++) panelOf.push(0);
  }

  const px = data.series.map((s) => mapped(s.x, xs));
  const py = data.series.map((s, i) => {
    const panel = panels[panelOf[i] as number] as Panel;
    return mapped(s.y, panel.y[panel.series.indexOf(i)] as (v: number) => number);
  });
  const last = panels.at(-1);
  const height = (last ? last.top + last.height : MARGIN.top + SINGLE_HEIGHT) + MARGIN.bottom;
  return {
    width,
    height,
    innerWidth,
    xDomain,
    x: xs,
    xInvert: xs.invert,
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
 * Path data for the dense layers of the metric graph (a point per run: 30k+ coordinates at 10k runs × 3 metrics),
 * in tenths of a pixel as integers, each step relative to the last ("M640 1014l2 -13l1 40…"), drawn inside
 * `<g transform="scale(0.1)">` (TENTHS_SCALE). Against absolute decimal pixels ("L64.1 101.4"), the string is
 * half as long and about four times quicker to write, and it is as precise: every coordinate is rounded to a tenth
 * of a pixel once, and the relative steps add up exactly (integers).
 */
export class TenthsPath {
  private d = "";
  private x = 0;
  private y = 0;

  /** Starts a subpath at (px, py), in pixels. */
  move(px: number, py: number): void {
    const x = Math.round(px * 10);
    const y = Math.round(py * 10);
    this.d += `M${x} ${y}`;
    this.x = x;
    this.y = y;
  }

  /** A line from the current point to (px, py). */
  line(px: number, py: number): void {
    const x = Math.round(px * 10);
    const y = Math.round(py * 10);
    this.d += `l${x - this.x} ${y - this.y}`;
    this.x = x;
    this.y = y;
  }

  /** A zero-length subpath at (px, py): a dot where the path is stroked with round caps. */
  dot(px: number, py: number): void {
    const x = Math.round(px * 10);
    const y = Math.round(py * 10);
    this.d += this.d === "" ? `M${x} ${y}h0` : `m${x - this.x} ${y - this.y}h0`;
    this.x = x;
    this.y = y;
  }

  /** Closes the subpath (the current point goes back to its start: the next subpath begins with `move`). */
  close(): void {
    this.d += "Z";
  }

  toString(): string {
    return this.d;
  }
}

/** The transform of the group that holds TenthsPath data; stroke widths and dashes inside it are ×10. */
export const TENTHS_SCALE = "scale(0.1)";

/** A polyline through every point, in TenthsPath units. */
export function linePathTenths(px: Float64Array, py: Float64Array): string {
  const path = new TenthsPath();
  for (let i = 0; i < px.length; i++) {
    if (i === 0) path.move(px[i] as number, py[i] as number);
    else path.line(px[i] as number, py[i] as number);
  }
  return path.toString();
}

/** Every point as a dot (zero-length subpaths drawn with round caps), in TenthsPath units. */
export function dotsPathTenths(px: Float64Array, py: Float64Array): string {
  const path = new TenthsPath();
  for (let i = 0; i < px.length; i++) path.dot(px[i] as number, py[i] as number);
  return path.toString();
}

/** A dash pattern in pixels ("7 4") for a stroke inside the TENTHS_SCALE group. */
export const tenthsDash = (dash: string) =>
  dash === ""
    ? undefined
    : dash
        .split(" ")
        .map((n) => Number(n) * 10)
        .join(" ");

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
