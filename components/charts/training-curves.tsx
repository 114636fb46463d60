"use client";
/**
 * Training curves: the per-epoch series of one metric for the training jobs of the latest N runs,
 * overlaid (newest drawn last and strongest), so a change in convergence between runs is visible.
 */
import { scaleLinear } from "@visx/scale";
import Link from "next/link";
import { useMemo, useRef, useState } from "react";
import { useTrainingCurves } from "@/components/pipeline/hooks";
import { formatValue } from "@/lib/format";
import { extent } from "@/lib/metrics/nearest";
import styles from "./chart.module.css";
import { linePath, MARGIN, seriesColor } from "./geometry";
import { useWidth } from "./use-width";

const HEIGHT = 240;

export function TrainingCurves({ pipelineId, initialMetric }: { pipelineId: number; initialMetric: string | null }) {
  const [metric, setMetric] = useState(initialMetric ?? "");
  const [runs, setRuns] = useState(8);
  const params = useMemo(() => {
    const p: Record<string, string> = { runs: String(runs) };
    if (metric) p.metric = metric;
    return p;
  }, [metric, runs]);
  const { data, error, isLoading } = useTrainingCurves(pipelineId, params);
  const wrap = useRef<HTMLDivElement>(null);
  const width = Math.max(320, useWidth(wrap));

  const drawn = useMemo(() => {
    if (!data || data.curves.length === 0) return null;
    const innerWidth = width - MARGIN.left - MARGIN.right;
    const steps = extent(...data.curves.map((c) => c.steps)) ?? [0, 1];
    const values = extent(...data.curves.map((c) => c.values)) ?? [0, 1];
    const pad = (values[1] - values[0]) * 0.05 || 1;
    const x = scaleLinear<number>({ domain: steps, range: [MARGIN.left, MARGIN.left + innerWidth] });
    const y = scaleLinear<number>({
      domain: [values[0] - pad, values[1] + pad],
      range: [HEIGHT - MARGIN.bottom, MARGIN.top],
    });
    // One colour per run (a Map run trains one job per market); oldest first, so the newest is drawn on top.
    const runOrder = [...new Set(data.curves.map((c) => c.publicId))];
    const colourOf = (publicId: string) => {
      const i = runOrder.indexOf(publicId);
      return i === 0 ? seriesColor(0) : seriesColor(((i - 1) % 5) + 1);
    };
    const curves = [...data.curves].reverse().map((c) => ({
      ...c,
      d: linePath(
        Float64Array.from(c.steps, (s) => x(s)),
        Float64Array.from(c.values, (v) => y(v)),
      ),
      newest: c.publicId === runOrder[0],
      colour: colourOf(c.publicId),
    }));
    const legend = runOrder.map((publicId) => {
      const jobs = data.curves.filter((c) => c.publicId === publicId);
      const finals = jobs.map((c) => c.values.at(-1)).filter((v): v is number => v !== undefined);
      return {
        publicId,
        runName: jobs[0]?.runName ?? publicId,
        jobs: jobs.length,
        colour: colourOf(publicId),
        low: Math.min(...finals),
        high: Math.max(...finals),
      };
    });
    return { x, y, curves, legend, xTicks: x.ticks(6), yTicks: y.ticks(4) };
  }, [data, width]);

  return (
    <div className={styles.chart} data-testid="training-curves">
      <div className={styles.controls}>
        <label className={styles.field}>
          Metric
          <select value={data?.metric ?? metric} onChange={(e) => setMetric(e.currentTarget.value)}>
            {(data?.metrics ?? (metric ? [metric] : [])).map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label className={styles.field}>
          Latest runs
          <select value={runs} onChange={(e) => setRuns(Number(e.currentTarget.value))}>
            {[3, 5, 8, 12, 20].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div ref={wrap}>
        {error ? (
          <p role="alert">Could not load the curves: {error.message}</p>
        ) : isLoading ? (
          <p className={styles.status}>Loading curves…</p>
        ) : !drawn ? (
          <p className="muted">No per-epoch series reported by the latest runs' training jobs.</p>
        ) : (
          <svg
            className={styles.svg}
            width={width}
            height={HEIGHT}
            role="img"
            aria-label={`${data?.metric} per epoch for the latest ${drawn.curves.length} training jobs`}
          >
            {drawn.yTicks.map((t) => (
              <g key={t}>
                <line x1={MARGIN.left} x2={width - MARGIN.right} y1={drawn.y(t)} y2={drawn.y(t)} stroke="var(--grid)" />
                <text x={MARGIN.left - 6} y={drawn.y(t)} dy="0.32em" textAnchor="end">
                  {formatValue(t)}
                </text>
              </g>
            ))}
            {drawn.xTicks.map((t) => (
              <text key={t} x={drawn.x(t)} y={HEIGHT - MARGIN.bottom + 6} dy="0.8em" textAnchor="middle">
                {t}
              </text>
            ))}
            <text x={width - MARGIN.right} y={HEIGHT - 2} textAnchor="end">
              epoch / step
            </text>
            {drawn.curves.map((c) => (
              <path
                key={`${c.publicId}-${c.job}`}
                d={c.d}
                fill="none"
                stroke={c.colour}
                strokeWidth={c.newest ? 2.5 : 1.25}
                strokeOpacity={c.newest ? 1 : 0.7}
              >
                <title>{`${c.runName} · ${c.job}: last ${formatValue(c.values.at(-1))}`}</title>
              </path>
            ))}
          </svg>
        )}
      </div>
      {drawn ? (
        <ul className={styles.legend} aria-label="Runs drawn">
          {drawn.legend.map((r, i) => (
            <li key={r.publicId} style={{ listStyle: "none" }}>
              <span className={styles.swatch} style={{ color: r.colour }} aria-hidden="true" />{" "}
              <Link href={`/runs/${r.publicId}`}>{r.runName}</Link>
              {i === 0 ? " (newest)" : ""}
              {r.jobs > 1
                ? ` · ${r.jobs} jobs, final ${formatValue(r.low)}–${formatValue(r.high)}`
                : ` · final ${formatValue(r.low)}`}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
