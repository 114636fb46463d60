import { formatValue } from "@/lib/format";
import styles from "./pipeline.module.css";

/** A tiny line of the headline metric over the latest runs; the last value is labelled for screen readers. */
export function Sparkline({
  values,
  label,
  width = 96,
  height = 24,
}: {
  values: number[];
  label: string;
  width?: number;
  height?: number;
}) {
  if (values.length < 2) return <span className="muted">—</span>;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = (width - 4) / (values.length - 1);
  const points = values.map(
    (v, i) => `${(2 + i * step).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`,
  );
  const last = values.at(-1) as number;
  const [lx, ly] = (points.at(-1) as string).split(",");
  return (
    <span className={styles.spark}>
      <svg
        width={width}
        height={height}
        role="img"
        aria-label={`${label}: last ${values.length} runs, latest ${formatValue(last)}`}
      >
        <polyline points={points.join(" ")} fill="none" stroke="currentColor" strokeWidth={1.25} />
        <circle cx={lx} cy={ly} r={2} fill="currentColor" />
      </svg>
      <span className={styles.sparkValue}>{formatValue(last)}</span>
    </span>
  );
}
