/**
 * The pipeline endpoints' answers as tables for CSV (lib/api/csv.ts): one row per pipeline, per run (with a
 * column per metric and, with include=hyperparameters, per hyperparameter), per run of the metric-evolution
 * series (a column per metric and its trailing baseline), and per epoch of the training curves.
 */
import type { CsvTable } from "@/lib/api/csv";
import type { MetricSeries, PipelinePage, RunPage, TrainingCurves } from "./schema";
import { seriesRun } from "./series-runs";

export const pipelinesTable = (page: PipelinePage): CsvTable => ({
  name: "pipelines",
  rows: page.pipelines as unknown as Record<string, unknown>[],
  leading: ["id", "name"],
});

export const runsTable = (page: RunPage): CsvTable => ({
  name: "runs",
  // `publicId` repeats `id`; metrics and hyperparameters become `metrics.<name>` / `hyperparameters.<name>`.
  rows: page.runs.map(({ publicId: _same, ...run }) => run),
  leading: [
    "id",
    "name",
    "status",
    "startedAt",
    "stoppedAt",
    "durationMs",
    ...page.metricColumns.map((m) => `metrics.${m}`),
  ],
});

/** One row per run that has a point in any series: the wide form of the metric-evolution graph. */
export function seriesTable(series: MetricSeries): CsvTable {
  const rows = new Map<number, Record<string, unknown>>();
  for (const s of series.series) {
    s.run.forEach((runIndex, i) => {
      const run = seriesRun(series, runIndex);
      if (!run) return;
      const row = rows.get(runIndex) ?? {
        id: run.publicId,
        name: run.name,
        status: run.status,
        startedAt: new Date(run.startedAt).toISOString(),
        number: run.number,
      };
      row[s.name] = s.y[i];
      row[`${s.name} baseline`] = s.baseline[i] ?? null;
      rows.set(runIndex, row);
    });
  }
  const ordered = [...rows.entries()].sort(([a], [b]) => a - b).map(([, row]) => row);
  return { name: `pipeline-${series.pipelineId}-metrics`, rows: ordered };
}

export const curvesTable = (curves: TrainingCurves): CsvTable => ({
  name: "training-curves",
  rows: curves.curves.flatMap((c) =>
    c.steps.map((step, i) => ({
      id: c.publicId,
      runName: c.runName,
      job: c.job,
      metric: curves.metric,
      epoch: step,
      value: c.values[i],
    })),
  ),
});
