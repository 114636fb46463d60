/**
 * The metric graph's frame while the pipeline page's server read of its series streams in: the graph's box at
 * about its height (controls, plot, legend, overview), so the runs below do not jump when it arrives.
 */
import styles from "./chart.module.css";
import { plotHeight, type ScaleMode } from "./geometry";

const AROUND_PLOT = 150;

export function MetricEvolutionLoading({ series, scale }: { series: number; scale: ScaleMode }) {
  return (
    <div className={styles.chart} data-testid="metric-evolution-loading" aria-busy="true">
      <p className={styles.status} role="status" style={{ minHeight: plotHeight(series, scale) + AROUND_PLOT }}>
        Loading series…
      </p>
    </div>
  );
}
