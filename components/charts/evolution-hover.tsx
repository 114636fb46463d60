"use client";
/**
 * The interactive layer of the metric-evolution graph: a transparent overlay that finds the run under
 * the pointer (binary search in the precomputed pixel arrays), draws a crosshair and a tooltip (run
 * name, value, delta to the previous run, and the baseline of each metric the run regressed on), opens
 * the run on click and adds it to the comparison on Shift/⌘-click. Only this component re-renders on
 * hover. Arrow keys move between runs.
 */
import { type KeyboardEvent, type PointerEvent, useLayoutEffect, useMemo, useRef, useState } from "react";
import { formatDelta, formatUtc, formatValue } from "@/lib/format";
import { improvement, metricLabel } from "@/lib/metrics/direction";
import { nearestIndex } from "@/lib/metrics/nearest";
import type { MetricSeries } from "@/lib/pipelines/schema";
import { seriesRun } from "@/lib/pipelines/series-runs";
import styles from "./chart.module.css";
import { type Geometry, MARGIN, seriesColor } from "./geometry";

type Hover = { series: number; point: number };

type Props = {
  data: MetricSeries;
  geometry: Geometry;
  onOpen: (publicId: string) => void;
  onToggleSelect: (publicId: string) => void;
};

/** Per series: for each of the answer's runs, the index of its point (-1 when the series has none). */
export function runToPoint(data: MetricSeries): Int32Array[] {
  const runs = data.runs.publicId.length;
  return data.series.map((s) => {
    const index = new Int32Array(runs).fill(-1);
    for (let i = 0; i < s.run.length; i++) {
      const r = s.run[i] as number;
      if (r >= 0 && r < runs) index[r] = i;
    }
    return index;
  });
}

export function EvolutionHover({ data, geometry: g, onOpen, onToggleSelect }: Props) {
  const [hover, setHover] = useState<Hover | null>(null);
  const frame = useRef(0);
  const overlay = useRef<HTMLDivElement>(null);
  // Per series: run index → point index, so the tooltip shows every metric of the hovered run. Built on the first
  // hover, not on the graph's first render (at 10k runs × 3 metrics it is 30k entries the first paint never reads),
  // as typed arrays rather than Maps of [run, point] pairs.
  const pointIndex = useRef<{ data: MetricSeries; byRun: Int32Array[] } | null>(null);
  const pointOfRun = (si: number, run: number | undefined): number | undefined => {
    if (pointIndex.current?.data !== data) pointIndex.current = { data, byRun: runToPoint(data) };
    if (run === undefined || run < 0) return undefined;
    const i = pointIndex.current.byRun[si]?.[run] ?? -1;
    return i < 0 ? undefined : i;
  };
  // Per series: run index → the baseline it regressed from (the plot draws regressions as one unlabelled path).
  const regressed = useMemo(
    () => data.series.map((s) => new Map(s.regressions.run.map((r, i) => [r, s.regressions.baseline[i] as number]))),
    [data],
  );

  const locate = (localX: number, localY: number): Hover | null => {
    const x = localX + MARGIN.left;
    const y = localY;
    let best: Hover | null = null;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let si = 0; si < data.series.length; si++) {
      const panel = g.panels[g.panelOf[si] as number];
      if (!panel) continue;
      const inPanel = y >= panel.top - 11 && y <= panel.top + panel.height + 11;
      if (g.panels.length > 1 && !inPanel) continue;
      const px = g.px[si] as Float64Array;
      const i = nearestIndex(px, x);
      if (i < 0) continue;
      const dx = (px[i] as number) - x;
      const dy = g.panels.length > 1 ? 0 : ((g.py[si] as Float64Array)[i] as number) - y;
      const distance = dx * dx + dy * dy * 0.25;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = { series: si, point: i };
      }
    }
    return best;
  };

  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const lx = event.clientX - rect.left;
    const ly = event.clientY - rect.top;
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      performance.mark("stepwise:metric-graph:hover-start");
      setHover(locate(lx, ly));
    });
  };

  // Hover cost (lookup + this layer's render), measured by the bench: the plot itself never re-renders.
  useLayoutEffect(() => {
    if (hover && performance.getEntriesByName("stepwise:metric-graph:hover-start").length > 0) {
      performance.measure("stepwise:metric-graph:hover", "stepwise:metric-graph:hover-start");
      performance.clearMarks("stepwise:metric-graph:hover-start");
    }
  }, [hover]);

  const runOf = (h: Hover) => seriesRun(data, data.series[h.series]?.run[h.point] ?? -1);

  const onClick = (event: { shiftKey: boolean; metaKey: boolean; ctrlKey: boolean }) => {
    const run = hover ? runOf(hover) : undefined;
    if (!run) return;
    if (event.shiftKey || event.metaKey || event.ctrlKey) onToggleSelect(run.publicId);
    else onOpen(run.publicId);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const current = hover ?? { series: 0, point: -1 };
    const s = data.series[current.series];
    if (!s) return;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      const step = event.key === "ArrowRight" ? 1 : -1;
      const point = Math.min(s.x.length - 1, Math.max(0, current.point + step));
      setHover({ series: current.series, point });
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const n = data.series.length;
      const next = (current.series + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
      const x = (g.px[current.series] as Float64Array)[Math.max(0, current.point)] ?? MARGIN.left;
      setHover({ series: next, point: Math.max(0, nearestIndex(g.px[next] as Float64Array, x)) });
    } else if (event.key === "Enter") {
      onClick(event);
    } else if (event.key === "Escape") {
      setHover(null);
    }
  };

  const run = hover ? runOf(hover) : undefined;
  const hx = hover ? ((g.px[hover.series] as Float64Array)[hover.point] as number) : 0;
  const plotHeight = g.height - MARGIN.bottom;
  const left = hx + 14 + 240 > g.width ? hx - 14 - 240 : hx + 14;

  return (
    <>
      <div
        ref={overlay}
        className={styles.overlay}
        style={{ left: MARGIN.left, top: 0, width: g.innerWidth, height: plotHeight }}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the graph is navigable with arrow keys (role application)
        tabIndex={0}
        role="application"
        aria-label="Metric graph. Arrow keys move between runs and metrics, Enter opens the run, Shift+Enter adds it to the comparison."
        data-testid="metric-graph-overlay"
        onPointerMove={onPointerMove}
        onPointerLeave={() => {
          cancelAnimationFrame(frame.current);
          setHover(null);
        }}
        onClick={onClick}
        onKeyDown={onKeyDown}
      />
      {hover && run ? (
        <>
          <svg
            className={styles.svg}
            width={g.width}
            height={g.height}
            style={{ position: "absolute", left: 0, top: 0, pointerEvents: "none" }}
            aria-hidden="true"
          >
            <line x1={hx} x2={hx} y1={MARGIN.top} y2={plotHeight} stroke="var(--text-muted)" strokeDasharray="2 2" />
            {data.series.map((s, si) => {
              const i = pointOfRun(si, data.series[hover.series]?.run[hover.point]);
              if (i === undefined) return null;
              return (
                <circle
                  key={s.name}
                  cx={(g.px[si] as Float64Array)[i]}
                  cy={(g.py[si] as Float64Array)[i]}
                  r={5}
                  fill="var(--surface)"
                  stroke={seriesColor(si)}
                  strokeWidth={2.5}
                />
              );
            })}
          </svg>
          <div
            className={styles.tooltip}
            style={{ left, top: MARGIN.top + 4 }}
            role="status"
            data-testid="metric-tooltip"
            data-run={run.publicId}
          >
            <strong>{run.name}</strong>
            <span className="muted">
              {data.x === "number" ? `Run #${run.number ?? "?"} · ` : ""}
              {formatUtc(run.startedAt)}
              {run.status !== "SUCCEEDED" ? ` · ${run.status.toLowerCase().replace("_", " ")}` : ""}
            </span>
            <table>
              <tbody>
                {data.series.map((s, si) => {
                  const i = pointOfRun(si, data.series[hover.series]?.run[hover.point]);
                  if (i === undefined) return null;
                  const value = s.y[i] as number;
                  const previous = s.previous[i] ?? null;
                  const change = previous === null ? null : improvement(value, previous, s.direction);
                  const baseline = regressed[si]?.get(s.run[i] as number);
                  const row = (
                    <tr key={s.name} data-metric={s.name}>
                      <th scope="row" style={{ color: seriesColor(si) }}>
                        {metricLabel(s.name)}
                      </th>
                      <td data-testid="tooltip-value">{formatValue(value)}</td>
                      <td
                        className={
                          change === null || change === 0 ? undefined : change > 0 ? styles.better : styles.worse
                        }
                        title="Change from the previous run"
                      >
                        {formatDelta(value, previous)}
                      </td>
                    </tr>
                  );
                  if (baseline === undefined) return row;
                  return [
                    row,
                    <tr key={`${s.name}-regression`} data-testid="tooltip-regression" data-metric={s.name}>
                      <td colSpan={3} className={`${styles.regression} ${styles.worse}`}>
                        <span aria-hidden="true">{s.direction === "higher" ? "▼" : "▲"}</span> Regression: baseline{" "}
                        {formatValue(baseline)}
                      </td>
                    </tr>,
                  ];
                })}
              </tbody>
            </table>
            <p className={styles.hint}>Click to open · Shift+click to compare</p>
          </div>
        </>
      ) : null}
    </>
  );
}
