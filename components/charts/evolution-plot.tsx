"use client";
/**
 * The static layer of the metric-evolution graph: axes, baseline bands, one <path> per series,
 * failed-run marks, definition changes and regression markers. Memoised on (data, geometry): hovering
 * never re-renders it (the hover layer draws on top), which is what keeps hover under a frame.
 */
import { memo, useEffect } from "react";
import { plural } from "@/lib/format";
import { metricLabel } from "@/lib/metrics/direction";
import type { MetricSeries } from "@/lib/pipelines/schema";
import { seriesRun } from "@/lib/pipelines/series-runs";
import styles from "./chart.module.css";
import {
  dotsPathTenths,
  type Geometry,
  linePathTenths,
  MARGIN,
  SERIES_DASH,
  seriesColor,
  TENTHS_SCALE,
  TenthsPath,
  tenths,
  tenthsDash,
} from "./geometry";

type Props = { data: MetricSeries; geometry: Geometry; formatX: (v: number) => string; xTicks: number[] };

/**
 * The baseline band (baseline ± threshold) in TenthsPath units: one closed outline per run of points with a
 * baseline, the upper edge forwards, then the lower edge backwards.
 */
export function bandPath(
  s: MetricSeries["series"][number],
  px: Float64Array,
  y: (v: number) => number,
  threshold: number,
): string {
  const path = new TenthsPath();
  let first = -1;
  const flush = (end: number) => {
    if (end - first > 1) {
      for (let i = first; i < end; i++) {
        const b = s.baseline[i] as number;
        const upper = y(b + Math.abs(b) * threshold);
        if (i === first) path.move(px[i] as number, upper);
        else path.line(px[i] as number, upper);
      }
      for (let i = end - 1; i >= first; i--) {
        const b = s.baseline[i] as number;
        path.line(px[i] as number, y(b - Math.abs(b) * threshold));
      }
      path.close();
    }
    first = -1;
  };
  for (let i = 0; i < s.baseline.length; i++) {
    if (s.baseline[i] === null) {
      if (first >= 0) flush(i);
    } else if (first < 0) first = i;
  }
  if (first >= 0) flush(s.baseline.length);
  return path.toString();
}

const PAINTED_MARK = "stepwise:metric-graph:painted";

/** Every regression marker of a series as one path: a triangle per regression, pointing away from its point. */
export function regressionPath(
  regressions: MetricSeries["series"][number]["regressions"],
  x: (v: number) => number,
  y: (v: number) => number,
  down: boolean,
): string {
  let d = "";
  for (let i = 0; i < regressions.x.length; i++) {
    const rx = tenths(x(regressions.x[i] as number) - 6);
    const ry = y(regressions.y[i] as number);
    d += down ? `M${rx} ${tenths(ry + 8)}h12l-6 10z` : `M${rx} ${tenths(ry - 8)}h12l-6 -10z`;
  }
  return d;
}

function PlotImpl({ data, geometry: g, formatX, xTicks }: Props) {
  useEffect(() => {
    if (!g) return;
    performance.mark("stepwise:metric-graph:rendered");
    // The bench's "navigation → graph painted": a task posted from the next animation frame runs once that
    // frame (the first with this plot in it) has been rendered. Only the page's first plot is marked.
    if (performance.getEntriesByName(PAINTED_MARK).length > 0) return;
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        if (performance.getEntriesByName(PAINTED_MARK).length === 0) performance.mark(PAINTED_MARK);
        channel.port1.close();
      };
      channel.port2.postMessage(null);
    });
  }, [g]);
  const threshold = data.threshold / 100;
  const bottom = g.height - MARGIN.bottom;
  const top = MARGIN.top;
  const sparse = data.series.every((s) => s.x.length <= g.innerWidth / 6);
  return (
    <svg
      className={styles.svg}
      width={g.width}
      height={g.height}
      role="img"
      aria-label={`${data.series.map((s) => `${metricLabel(s.name)}: ${s.count} runs`).join("; ")}; ${plural(
        data.series.reduce((a, s) => a + s.regressions.x.length, 0),
        "regression",
      )}; ${data.failed.reduce((a, f) => a + f.count, 0)} failed runs; ${data.definitionChanges.length} definition changes`}
    >
      {g.panels.map((panel, pi) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: panels are positional
        <g key={pi}>
          {panel.ticks.map((t) => (
            <g key={t.value}>
              <line x1={MARGIN.left} x2={g.width - MARGIN.right} y1={t.px} y2={t.px} stroke="var(--grid)" />
              <text x={MARGIN.left - 6} y={t.px} dy="0.32em" textAnchor="end">
                {t.label}
              </text>
            </g>
          ))}
          <line
            x1={MARGIN.left}
            x2={g.width - MARGIN.right}
            y1={panel.top + panel.height}
            y2={panel.top + panel.height}
            stroke="var(--axis)"
            strokeOpacity={0.6}
          />
          {panel.label ? (
            <text x={MARGIN.left + 4} y={panel.top + 2} dy="0.8em" style={{ fontWeight: 600, fill: "var(--text)" }}>
              {panel.label}
            </text>
          ) : null}
          {/* failed runs: small crosses along the panel's bottom edge */}
          <path
            d={data.failed
              .map((f) => {
                const x = g.x(f.x);
                const y = panel.top + panel.height - 6;
                return `M${tenths(x - 3)} ${y - 3}l6 6M${tenths(x - 3)} ${y + 3}l6 -6`;
              })
              .join("")}
            stroke="var(--fail)"
            strokeWidth={1.5}
            fill="none"
            data-testid={pi === 0 ? "failed-marks" : undefined}
          />
        </g>
      ))}

      {data.definitionChanges.map((c) => {
        const x = g.x(c.x);
        return (
          <g key={`${c.x}-${c.revisionId}`} data-testid="definition-change">
            <line x1={x} x2={x} y1={top} y2={bottom} stroke="var(--warn)" strokeDasharray="3 3" strokeWidth={1.25} />
            <text x={x + 3} y={top} dy="0.8em" style={{ fill: "var(--warn)" }}>
              def. change
            </text>
            <title>{`Definition changed (revision ${c.revisionId}) at ${seriesRun(data, c.run)?.name ?? ""}`}</title>
          </g>
        );
      })}

      {data.series.map((s, i) => {
        const panel = g.panels[g.panelOf[i] as number];
        if (!panel) return null;
        const y = panel.y[panel.series.indexOf(i)] as (v: number) => number;
        const px = g.px[i] as Float64Array;
        const py = g.py[i] as Float64Array;
        return (
          <g key={s.name} data-series={s.name}>
            {/* A point per run: in tenths of a pixel (TenthsPath), so widths and dashes are ×10 in this group. */}
            <g transform={TENTHS_SCALE}>
              <path d={bandPath(s, px, y, threshold)} fill={seriesColor(i)} fillOpacity={0.12} stroke="none" />
              <path
                d={linePathTenths(px, py)}
                fill="none"
                stroke={seriesColor(i)}
                strokeWidth={15}
                strokeDasharray={tenthsDash(SERIES_DASH[i % SERIES_DASH.length] ?? "")}
                strokeLinejoin="round"
              />
              <path
                d={dotsPathTenths(px, py)}
                stroke={seriesColor(i)}
                strokeWidth={sparse ? 50 : 30}
                strokeLinecap="round"
                fill="none"
              />
            </g>
            {/* Regressions: one path of triangles per series (▼ under the point when higher is better, ▲ over it
                when lower is), not an element per marker: at 10k runs a view holds over 1,600 of them, and their
                elements were most of the graph's first render. The hover tooltip names a hovered run's regression. */}
            {s.regressions.x.length > 0 ? (
              <path
                d={regressionPath(s.regressions, g.x, y, s.direction === "higher")}
                fill="var(--fail)"
                stroke="var(--surface)"
                strokeWidth={1}
                data-testid="regression-marks"
                data-count={s.regressions.x.length}
              />
            ) : null}
          </g>
        );
      })}

      {xTicks.map((t) => {
        const x = g.x(t);
        return (
          <g key={t}>
            <line x1={x} x2={x} y1={bottom} y2={bottom + 4} stroke="var(--axis)" />
            <text x={x} y={bottom + 6} dy="0.8em" textAnchor="middle">
              {formatX(t)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export const EvolutionPlot = memo(PlotImpl);
