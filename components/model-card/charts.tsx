"use client";
/**
 * The card's charts as static SVG (visx): fixed viewBox, no measuring, no interaction, so they render on
 * the server, scale to any width and print crisply. Meaning never rests on colour: approval status is a
 * marker shape (● approved, ○ pending, ✕ rejected), this version is ringed and labelled, thresholds are
 * dashed and labelled, and every line is drawn in the text colour (black on paper).
 */
import { Group } from "@visx/group";
import { scaleLinear } from "@visx/scale";
import { LinePath } from "@visx/shape";
import { ChartAxes } from "@/components/charts/axes";
import { type SeriesPointUnit, seriesPointUnit } from "@/lib/format";
import { metricLabel } from "@/lib/metrics/direction";
import type { Curve, MetricThreshold, VersionPoint } from "@/lib/models/schema";
import styles from "./model-card.module.css";

const AXIS_FONT = 10;

function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return "0";
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function extent(values: number[]): [number, number] {
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (min === max) {
    const pad = Math.abs(min) * 0.05 || 1;
    min -= pad;
    max += pad;
  }
  const pad = (max - min) * 0.08;
  return [min - pad, max + pad];
}

export function MetricAcrossVersionsChart({
  metric,
  points,
  threshold,
}: {
  metric: string;
  points: VersionPoint[];
  threshold: MetricThreshold | null;
}) {
  const width = 720;
  const height = 230;
  const margin = { top: 14, right: 18, bottom: 38, left: 58 };
  const innerW = width - margin.left - margin.right;
  const innerH = height - margin.top - margin.bottom;
  const versions = points.map((p) => p.version);
  const minV = Math.min(...versions);
  const maxV = Math.max(...versions);
  const x = scaleLinear<number>({ domain: minV === maxV ? [minV - 1, maxV + 1] : [minV, maxV], range: [0, innerW] });
  const y = scaleLinear<number>({
    domain: extent([...points.map((p) => p.value), ...(threshold ? [threshold.value] : [])]),
    range: [innerH, 0],
    nice: true,
  });
  const current = points.find((p) => p.current);
  const xTicks = Math.min(12, Math.max(2, points.length));
  const summary = `${metricLabel(metric)} across ${points.length} model versions${
    current ? `; this version (${current.version}) is ${formatTick(current.value)}` : ""
  }${threshold ? `; threshold ${threshold.op} ${threshold.value}` : ""}.`;

  return (
    <figure className={styles.figure} data-testid="chart-across-versions">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        className={styles.chart}
        role="img"
        aria-label={summary}
        preserveAspectRatio="xMidYMid meet"
      >
        <Group left={margin.left} top={margin.top}>
          {y.ticks(5).map((t) => (
            <line key={t} x1={0} x2={innerW} y1={y(t)} y2={y(t)} className={styles.gridLine} />
          ))}
          {threshold ? (
            <g>
              <line
                x1={0}
                x2={innerW}
                y1={y(threshold.value)}
                y2={y(threshold.value)}
                stroke="currentColor"
                strokeWidth={1}
                strokeDasharray="6 4"
              />
              <text
                x={innerW - 4}
                y={y(threshold.value) - 4}
                textAnchor="end"
                fontSize={AXIS_FONT}
                fill="currentColor"
                stroke="var(--surface, #fff)"
                strokeWidth={3}
                paintOrder="stroke"
              >
                threshold {threshold.op} {threshold.value}
              </text>
            </g>
          ) : null}
          <LinePath
            data={points}
            x={(p) => x(p.version)}
            y={(p) => y(p.value)}
            stroke="currentColor"
            strokeWidth={1.25}
            strokeOpacity={0.7}
            fill="none"
          />
          {points.map((p) => {
            const cx = x(p.version);
            const cy = y(p.value);
            if (p.approvalStatus === "REJECTED") {
              return (
                <path
                  key={p.version}
                  d={`M${cx - 3.5},${cy - 3.5}L${cx + 3.5},${cy + 3.5}M${cx - 3.5},${cy + 3.5}L${cx + 3.5},${cy - 3.5}`}
                  stroke="currentColor"
                  strokeWidth={1.4}
                />
              );
            }
            return (
              <circle
                key={p.version}
                cx={cx}
                cy={cy}
                r={3.2}
                fill={p.approvalStatus === "APPROVED" ? "currentColor" : "var(--surface, #fff)"}
                stroke="currentColor"
                strokeWidth={1.2}
              />
            );
          })}
          {current ? (
            <g>
              <circle
                cx={x(current.version)}
                cy={y(current.value)}
                r={7.5}
                fill="none"
                stroke="currentColor"
                strokeWidth={1.6}
              />
              <text
                x={x(current.version) + (x(current.version) > innerW - 90 ? -11 : 11)}
                y={y(current.value) - 9}
                textAnchor={x(current.version) > innerW - 90 ? "end" : "start"}
                fontSize={AXIS_FONT + 1}
                fontWeight={600}
                fill="currentColor"
                stroke="var(--surface, #fff)"
                strokeWidth={3}
                paintOrder="stroke"
              >
                v{current.version} (this card)
              </text>
            </g>
          ) : null}
          <ChartAxes
            x={x}
            y={y}
            height={innerH}
            xTicks={xTicks}
            yTicks={5}
            formatX={(v) => (Number.isInteger(v) ? `v${v}` : "")}
            formatY={formatTick}
            tone="ink"
            xLabel="Model version"
          />
        </Group>
      </svg>
      <figcaption className={styles.caption}>
        <strong>{metricLabel(metric)}</strong> by model version.{" "}
        <span className={styles.legend}>
          <span aria-hidden="true">●</span> approved <span aria-hidden="true">○</span> pending{" "}
          <span aria-hidden="true">✕</span> rejected <span aria-hidden="true">◯</span> this version
          {threshold ? " · dashed line: threshold" : ""}
        </span>
      </figcaption>
    </figure>
  );
}

function CurvePanel({ curve, unit }: { curve: Curve; unit: SeriesPointUnit }) {
  const width = 340;
  const height = 140;
  const margin = { top: 10, right: 12, bottom: 28, left: 50 };
  const innerW = width - margin.left - margin.right;
  const innerH = height - margin.top - margin.bottom;
  const steps = curve.points.map((p) => p.step);
  const x = scaleLinear<number>({ domain: [Math.min(...steps), Math.max(...steps)], range: [0, innerW] });
  const y = scaleLinear<number>({ domain: extent(curve.points.map((p) => p.value)), range: [innerH, 0], nice: true });
  const last = curve.points.at(-1);
  return (
    <figure className={styles.curve}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        className={styles.chart}
        role="img"
        aria-label={`${curve.metric} over ${curve.points.length} ${unit.one === "epoch" ? "training steps" : unit.many}${last ? `, ending at ${formatTick(last.value)}` : ""}`}
      >
        <Group left={margin.left} top={margin.top}>
          {y.ticks(4).map((t) => (
            <line key={t} x1={0} x2={innerW} y1={y(t)} y2={y(t)} className={styles.gridLine} />
          ))}
          <LinePath
            data={curve.points}
            x={(p) => x(p.step)}
            y={(p) => y(p.value)}
            stroke="currentColor"
            strokeWidth={1.5}
            fill="none"
          />
          {last ? <circle cx={x(last.step)} cy={y(last.value)} r={2.8} fill="currentColor" /> : null}
          <ChartAxes
            x={x}
            y={y}
            height={innerH}
            xTicks={Math.min(6, Math.max(...steps) - Math.min(...steps))}
            formatX={String}
            formatY={formatTick}
            tone="ink"
          />
        </Group>
      </svg>
      <figcaption className={styles.caption}>
        <strong>{curve.metric}</strong>
        {last ? ` · ${unit.one === "epoch" ? "final" : "last"} ${formatTick(last.value)}` : ""}
      </figcaption>
    </figure>
  );
}

export function TrainingCurves({
  curves,
  job,
  period,
}: {
  curves: Curve[];
  job: string | null;
  period: number | null;
}) {
  const unit = seriesPointUnit(period);
  return (
    <div className={styles.curves} data-testid="training-curves">
      {curves.map((c) => (
        <CurvePanel key={c.metric} curve={c} unit={unit} />
      ))}
      {job ? (
        <p className={`${styles.caption} ${styles.curvesNote}`}>
          {unit.one === "epoch"
            ? `Per epoch, from training job ${job}.`
            : `Means per ${unit.per}, from training job ${job}: CloudWatch keeps 1-second data for 3 hours, and the job was read after that.`}
        </p>
      ) : null}
    </div>
  );
}
