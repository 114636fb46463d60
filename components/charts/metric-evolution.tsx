"use client";
/**
 * Metric evolution across the runs of a pipeline: pick metrics, x by start time or run number, each
 * metric on its own scale (stacked panels) or normalised into one panel, a trailing-baseline band with
 * regression markers beyond a threshold, failed runs and definition changes marked; brush the overview
 * to zoom. Every choice lives in the URL (history.replaceState, no server round trip), so a reload or a
 * shared link shows the same graph. The server downsamples for the drawn width (one SQL statement).
 */
import { scaleLinear, scaleUtc } from "@visx/scale";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useMetricSeries } from "@/components/pipeline/hooks";
import { useSelection } from "@/components/pipeline/selection";
import { formatValue } from "@/lib/format";
import { metricLabel, RUN_COST_METRIC } from "@/lib/metrics/direction";
import { extent } from "@/lib/metrics/nearest";
import { PRICE_BASIS, PRICE_TABLE_NOTE } from "@/lib/models/pricing";
import type { XAxis } from "@/lib/pipelines/schema";
import styles from "./chart.module.css";
import { EvolutionHover } from "./evolution-hover";
import { EvolutionPlot } from "./evolution-plot";
import { computeGeometry, linear, linePath, MARGIN, type ScaleMode, SERIES_DASH, seriesColor } from "./geometry";
import { OverviewBrush } from "./overview-brush";
import { GRAPH_WIDTH_COOKIE, overviewParams as overviewParamsFor, requestWidth, seriesParams } from "./series-request";
import { useWidth } from "./use-width";

export type GraphState = {
  metrics: string[];
  x: XAxis;
  scale: ScaleMode;
  from: string | null;
  to: string | null;
  threshold: number;
};

const OVERVIEW_HEIGHT = 56;
const DAY = 86_400_000;

function writeUrl(state: GraphState) {
  const url = new URL(window.location.href);
  const set = (key: string, value: string | null) => {
    if (value === null || value === "") url.searchParams.delete(key);
    else url.searchParams.set(key, value);
  };
  set("m", state.metrics.join(","));
  set("x", state.x === "time" ? null : state.x);
  set("scale", state.scale === "split" ? null : state.scale);
  set("gfrom", state.from);
  set("gto", state.to);
  set("th", state.threshold === 3 ? null : String(state.threshold));
  window.history.replaceState(window.history.state, "", url);
}

function rememberWidth(width: number) {
  const cookie = `${GRAPH_WIDTH_COOKIE}=${width}`;
  if (document.cookie.split("; ").includes(cookie)) return;
  // biome-ignore lint/suspicious/noDocumentCookie: a one-number preference; the Cookie Store API is not everywhere yet
  document.cookie = `${cookie}; path=/; max-age=31536000; samesite=lax`;
}

function timeFormatter(span: number) {
  return (v: number) => {
    const iso = new Date(v).toISOString();
    if (span < 2 * DAY) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
    if (span < 400 * DAY) return iso.slice(0, 10).slice(5);
    return iso.slice(0, 7);
  };
}

export function MetricEvolution({
  pipelineId,
  metricNames,
  initial,
}: {
  pipelineId: number;
  metricNames: string[];
  initial: GraphState;
}) {
  const router = useRouter();
  const { toggle } = useSelection();
  const [state, setState] = useState(initial);
  const update = useCallback((patch: Partial<GraphState>) => {
    setState((current) => {
      const next = { ...current, ...patch };
      writeUrl(next);
      return next;
    });
  }, []);
  const wrap = useRef<HTMLDivElement>(null);
  const measured = useWidth(wrap);
  const width = requestWidth(measured);
  const enabled = measured > 0 && state.metrics.length > 0;
  // Remembered for the page's next server render, which preloads the two requests at this width.
  useEffect(() => {
    if (measured > 0) rememberWidth(width);
  }, [measured, width]);

  const params = useMemo(() => seriesParams(state, width), [state, width]);
  const overviewParams = useMemo(() => overviewParamsFor(state, width), [state, width]);
  const series = useMetricSeries(pipelineId, params, enabled, true);
  const overview = useMetricSeries(pipelineId, overviewParams, enabled);
  const data = series.data;

  const formatX = useMemo(() => {
    if (!data?.domain || data.x === "number") return (v: number) => `#${Math.round(v)}`;
    return timeFormatter(data.domain[1] - data.domain[0]);
  }, [data]);
  const geometry = useMemo(
    () => (data && width > 0 ? computeGeometry(data, width, state.scale, formatValue) : null),
    [data, width, state.scale],
  );
  const xTicks = useMemo(() => {
    if (!geometry || !data?.domain) return [];
    const count = Math.max(2, Math.floor(geometry.innerWidth / 110));
    if (data.x === "number") {
      return scaleLinear({ domain: data.domain })
        .ticks(count)
        .filter((t) => Number.isInteger(t));
    }
    return scaleUtc({ domain: data.domain.map((d) => new Date(d)) as [Date, Date] })
      .ticks(count)
      .map((d) => d.getTime());
  }, [geometry, data]);

  const open = useCallback((publicId: string) => router.push(`/runs/${publicId}`), [router]);

  const overviewData = overview.data;
  const overviewGeometry = useMemo(() => {
    const s = overviewData?.series[0];
    if (!overviewData?.domain || !s || width <= 0) return null;
    const innerWidth = width - MARGIN.left - MARGIN.right;
    const xScale = linear(overviewData.domain, [0, innerWidth]);
    const [lo, hi] = extent(s.y) ?? [0, 1];
    const yScale = linear([lo, hi === lo ? lo + 1 : hi], [OVERVIEW_HEIGHT - 4, 4]);
    const px = Float64Array.from(s.x, xScale);
    const py = Float64Array.from(s.y, yScale);
    return { innerWidth, xScale, path: linePath(px, py) };
  }, [overviewData, width]);

  const onSelect = useCallback(
    (px0: number, px1: number) => {
      if (!overviewGeometry || !overviewData?.domain) return;
      const [d0, d1] = overviewData.domain;
      const x0 = Math.max(d0, overviewGeometry.xScale.invert(px0));
      const x1 = Math.min(d1, overviewGeometry.xScale.invert(px1));
      if (!(x1 > x0)) return;
      update(
        state.x === "number"
          ? { from: String(Math.floor(x0)), to: String(Math.ceil(x1)) }
          : { from: new Date(Math.floor(x0)).toISOString(), to: new Date(Math.ceil(x1)).toISOString() },
      );
    },
    [overviewGeometry, overviewData, state.x, update],
  );

  const selection = useMemo((): [number, number] | null => {
    if (!overviewGeometry || !state.from || !state.to) return null;
    const parse = (v: string) => (state.x === "number" ? Number(v) : Date.parse(v));
    return [overviewGeometry.xScale(parse(state.from)), overviewGeometry.xScale(parse(state.to))];
  }, [overviewGeometry, state.from, state.to, state.x]);

  const toggleMetric = (name: string, on: boolean) => {
    const metrics = on ? [...state.metrics, name].slice(-6) : state.metrics.filter((m) => m !== name);
    update({ metrics });
  };
  const zoomed = Boolean(state.from || state.to);

  return (
    <div className={styles.chart} data-testid="metric-evolution">
      <div className={styles.controls}>
        <fieldset className={styles.metricPicker}>
          <legend>Metrics</legend>
          {metricNames.map((name) => (
            <label key={name} title={name === RUN_COST_METRIC ? PRICE_TABLE_NOTE : undefined}>
              <input
                type="checkbox"
                checked={state.metrics.includes(name)}
                onChange={(event) => toggleMetric(name, event.currentTarget.checked)}
              />
              {metricLabel(name)}
            </label>
          ))}
        </fieldset>
        <fieldset className={styles.group}>
          <legend>x-axis</legend>
          {(["time", "number"] as const).map((x) => (
            <label key={x}>
              <input
                type="radio"
                name="graph-x"
                checked={state.x === x}
                onChange={() => update({ x, from: null, to: null })}
              />
              {x === "time" ? "Start time" : "Run number"}
            </label>
          ))}
        </fieldset>
        <fieldset className={styles.group}>
          <legend>Scale</legend>
          {(["split", "normalised"] as const).map((scale) => (
            <label key={scale}>
              <input
                type="radio"
                name="graph-scale"
                checked={state.scale === scale}
                onChange={() => update({ scale })}
              />
              {scale === "split" ? "Own scale" : "Normalised"}
            </label>
          ))}
        </fieldset>
        <label className={styles.field}>
          Regression threshold %
          <input
            type="number"
            min={0.1}
            max={100}
            step={0.5}
            defaultValue={state.threshold}
            onBlur={(event) => {
              const v = Number(event.currentTarget.value);
              if (Number.isFinite(v) && v >= 0.1 && v <= 100) update({ threshold: v });
            }}
            onKeyDown={(event) => {
              if (event.key === "Enter") event.currentTarget.blur();
            }}
          />
        </label>
        {zoomed ? (
          <button type="button" className="no-print" onClick={() => update({ from: null, to: null })}>
            Reset zoom
          </button>
        ) : null}
      </div>

      <div ref={wrap} className={styles.plotWrap}>
        {state.metrics.length === 0 ? (
          <p className="muted">Choose at least one metric.</p>
        ) : series.error ? (
          <p role="alert">Could not load the series: {series.error.message}</p>
        ) : data && geometry ? (
          data.series.every((s) => s.count === 0) ? (
            <p className="muted">No run reported these metrics{zoomed ? " in this range" : ""} yet.</p>
          ) : (
            <div style={{ position: "relative", opacity: series.isPlaceholderData ? 0.6 : 1 }}>
              <EvolutionPlot data={data} geometry={geometry} formatX={formatX} xTicks={xTicks} />
              <EvolutionHover data={data} geometry={geometry} onOpen={open} onToggleSelect={toggle} />
            </div>
          )
        ) : (
          <p className={styles.status}>Loading series…</p>
        )}
      </div>

      {data ? (
        <div className={styles.legend}>
          {data.series.map((s, i) => (
            <span key={s.name}>
              <svg width={22} height={8} aria-hidden="true">
                <line
                  x1={0}
                  x2={22}
                  y1={4}
                  y2={4}
                  stroke={seriesColor(i)}
                  strokeWidth={2}
                  strokeDasharray={SERIES_DASH[i % SERIES_DASH.length]}
                />
              </svg>
              {metricLabel(s.name)} ({s.direction} is better, {s.count} runs)
            </span>
          ))}
          {data.series.some((s) => s.name === RUN_COST_METRIC) ? (
            <span data-testid="cost-series-note">Cost per run is approximate: {PRICE_BASIS}</span>
          ) : null}
          <span>
            ▒ trailing baseline of {data.window} runs ± {data.threshold}%
          </span>
          <span>
            {/* The marker points the way the series got worse: down where higher is better, up where lower is. */}
            <span style={{ color: "var(--fail)" }}>
              {[...new Set(data.series.map((s) => (s.direction === "lower" ? "▲" : "▼")))].join(" ")}
            </span>{" "}
            regression
          </span>
          <span>
            <span style={{ color: "var(--fail)" }}>✕</span> failed run
          </span>
          <span>
            <span style={{ color: "var(--warn)" }}>┆</span> definition change
          </span>
        </div>
      ) : null}

      {overviewGeometry ? (
        <div className="no-print" style={{ marginTop: 8, marginLeft: MARGIN.left }}>
          <OverviewBrush
            width={overviewGeometry.innerWidth}
            height={OVERVIEW_HEIGHT}
            path={overviewGeometry.path}
            selection={selection}
            onSelect={onSelect}
            onReset={() => update({ from: null, to: null })}
          />
          <p className={styles.hint}>
            Drag across the overview to zoom (double-click to reset); the range is kept in the address.
          </p>
        </div>
      ) : null}
    </div>
  );
}
