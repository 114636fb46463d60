"use client";
/**
 * Per-epoch curves of a SageMaker training job (metric_point), one small chart per metric so scales stay
 * honest (a loss and an AUC on one axis would flatten both). Dots carry the value in a <title> for hover
 * and screen readers; the latest value is written beside the title. A series read after CloudWatch dropped its
 * 1-second data (period > 1) is a mean per minute, 5 minutes or hour, and says so: its points are not epochs.
 */
import { GridRows } from "@visx/grid";
import { Group } from "@visx/group";
import { scaleLinear } from "@visx/scale";
import { LinePath } from "@visx/shape";
import { ChartAxes } from "@/components/charts/axes";
import { type SeriesPointUnit, seriesPointUnit } from "@/lib/format";
import type { MetricSeries } from "@/lib/runs/schema";
import styles from "./details.module.css";

const WIDTH = 300;
const HEIGHT = 150;
const MARGIN = { top: 10, right: 12, bottom: 26, left: 46 };

const formatValue = (v: number) =>
  Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(2) : v.toPrecision(3).replace(/\.?0+$/, "");

export function MetricCharts({ series, period = null }: { series: MetricSeries[]; period?: number | null }) {
  if (series.length === 0) return <p className="muted">This job reported no metric time series.</p>;
  const unit = seriesPointUnit(period);
  return (
    <>
      {period && period > 1 ? (
        <p className="muted" data-testid="series-resolution">
          Means per {unit.per}, not per epoch: CloudWatch keeps a training job&apos;s 1-second data for 3 hours, and
          this job was read after that.
        </p>
      ) : null}
      <div className={styles.charts}>
        {series.map((s) => (
          <MetricChart key={s.name} series={s} unit={unit} />
        ))}
      </div>
    </>
  );
}

function MetricChart({ series, unit }: { series: MetricSeries; unit: SeriesPointUnit }) {
  const points = series.points;
  const innerW = WIDTH - MARGIN.left - MARGIN.right;
  const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const steps = points.map((p) => p.step);
  const values = points.map((p) => p.value);
  const minX = Math.min(...steps);
  const maxX = Math.max(...steps, minX + 1);
  let minY = Math.min(...values);
  let maxY = Math.max(...values);
  if (minY === maxY) {
    minY -= Math.abs(minY) * 0.1 || 1;
    maxY += Math.abs(maxY) * 0.1 || 1;
  }
  const x = scaleLinear<number>({ domain: [minX, maxX], range: [0, innerW] });
  const y = scaleLinear<number>({ domain: [minY, maxY], range: [innerH, 0], nice: true });
  const last = points[points.length - 1];
  return (
    <figure className={styles.chart}>
      <figcaption className={styles.chartTitle}>
        <span>{series.name}</span>
        {last ? <span className="muted">latest {formatValue(last.value)}</span> : null}
      </figcaption>
      <svg
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label={`${series.name} over ${points.length} ${points.length === 1 ? unit.one : unit.many}, from ${formatValue(values[0] ?? 0)} to ${formatValue(last?.value ?? 0)}`}
      >
        <Group left={MARGIN.left} top={MARGIN.top}>
          <GridRows scale={y} width={innerW} numTicks={4} stroke="var(--border)" strokeOpacity={0.7} />
          <LinePath data={points} x={(p) => x(p.step)} y={(p) => y(p.value)} stroke="var(--accent)" strokeWidth={1.8} />
          {points.length <= 120
            ? points.map((p) => (
                <circle key={p.step} cx={x(p.step)} cy={y(p.value)} r={2.4} className={styles.dot}>
                  <title>{`${unit.one} ${p.step}: ${p.value}`}</title>
                </circle>
              ))
            : null}
          <ChartAxes
            x={x}
            y={y}
            height={innerH}
            xTicks={Math.min(5, maxX - minX)}
            formatX={(v) => String(Math.round(v))}
            formatY={formatValue}
            tone="muted"
          />
        </Group>
      </svg>
    </figure>
  );
}
