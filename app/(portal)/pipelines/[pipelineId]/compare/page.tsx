import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CompareTable } from "@/components/pipeline/compare-table";
import styles from "@/components/pipeline/pipeline.module.css";
import { StatusBadge } from "@/components/ui/status-badge";
import { compareRuns, getPipeline } from "@/lib/dal/pipelines";
import { isAppError } from "@/lib/errors";
import { formatDuration, formatUtc, formatValue } from "@/lib/format";
import { durationRow, hyperParameterRows, inputRows, metricRows, stepRows } from "@/lib/pipelines/compare";
import { CompareSelection, PipelineIdParams } from "@/lib/pipelines/schema";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Compare runs" };

type Props = {
  params: Promise<{ pipelineId: string }>;
  searchParams: Promise<Record<string, string | string[]>>;
};

const signed = (text: string, delta: number) => `${delta > 0 ? "+" : delta < 0 ? "−" : "±"}${text}`;

export default async function ComparePage({ params, searchParams }: Props) {
  const id = PipelineIdParams.safeParse(await params);
  if (!id.success) notFound();
  const selection = CompareSelection.safeParse((await searchParams).runs);
  const publicIds = selection.success ? [...new Set(selection.data)] : [];
  const pipelineId = id.data.pipelineId;
  let pipeline: Awaited<ReturnType<typeof getPipeline>>;
  try {
    pipeline = await getPipeline({ pipelineId });
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
  let runs: Awaited<ReturnType<typeof compareRuns>>;
  try {
    runs = await compareRuns({ pipelineId, publicIds });
  } catch (error) {
    // A page cannot answer 429: it says so instead (the API twin answers 429 with Retry-After).
    if (!isAppError(error) || error.code !== "too_many_requests") throw error;
    return (
      <>
        <h1>Compare runs</h1>
        <div className="empty-state" role="alert">
          <p>{error.message}</p>
          <p>
            <Link href={`/pipelines/${pipelineId}/compare?runs=${publicIds.join(",")}`}>Try again</Link>
          </p>
        </div>
      </>
    );
  }
  const heads = runs.map((r) => ({ publicId: r.publicId, name: r.name }));
  const without = (publicId: string) =>
    `/pipelines/${pipelineId}/compare?runs=${runs
      .filter((r) => r.publicId !== publicId)
      .map((r) => r.publicId)
      .join(",")}`;
  const asReference = (publicId: string) =>
    `/pipelines/${pipelineId}/compare?runs=${[publicId, ...runs.filter((r) => r.publicId !== publicId).map((r) => r.publicId)].join(",")}`;

  return (
    <>
      <nav aria-label="Breadcrumb" className="muted" style={{ marginBottom: 4 }}>
        <Link href="/pipelines">Pipelines</Link> / <Link href={`/pipelines/${pipelineId}`}>{pipeline.name}</Link> /
      </nav>
      <h1>Compare runs</h1>
      {runs.length < 2 ? (
        <div className="empty-state">
          <p>Pick at least two runs of this pipeline to compare.</p>
          <p>
            Tick runs in the <Link href={`/pipelines/${pipelineId}#runs`}>runs table</Link> or Shift+click points on the
            metric graph.
          </p>
        </div>
      ) : (
        <>
          <p className="muted">
            Deltas are against the reference run (the first column). {runs.length} runs of {pipeline.name}.
          </p>
          <div className={styles.compareWrap}>
            <table className="data" data-testid="compare-runs">
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  {runs.map((r, i) => (
                    <th scope="col" key={r.publicId}>
                      <Link href={`/runs/${r.publicId}`}>{r.name}</Link>
                      <span className={`${styles.sub} ${styles.underlined}`}>
                        {i === 0 ? "reference" : <Link href={asReference(r.publicId)}>make reference</Link>} ·{" "}
                        <Link href={without(r.publicId)}>remove</Link>
                      </span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">Status</th>
                  {runs.map((r) => (
                    <td key={r.publicId}>
                      <StatusBadge status={r.status} />
                    </td>
                  ))}
                </tr>
                <tr>
                  <th scope="row">Started</th>
                  {runs.map((r) => (
                    <td key={r.publicId}>{formatUtc(r.startedAt)}</td>
                  ))}
                </tr>
                <tr>
                  <th scope="row">Definition revision</th>
                  {runs.map((r) => (
                    <td key={r.publicId}>
                      {r.revision_id ?? "—"}
                      {r.redrive_count > 0 ? ` · redriven ${r.redrive_count}×` : ""}
                    </td>
                  ))}
                </tr>
              </tbody>
            </table>
          </div>
          <CompareTable
            title="Final metrics"
            rows={metricRows(runs, formatValue)}
            runs={heads}
            formatDelta={(d) => signed(formatValue(Math.abs(d)), d)}
          />
          <CompareTable
            title="Durations"
            rows={[durationRow(runs, formatDuration)]}
            runs={heads}
            formatDelta={(d) => signed(formatDuration(Math.abs(d)), d)}
          />
          <CompareTable
            title="Step timings"
            rows={stepRows(runs, formatDuration)}
            runs={heads}
            formatDelta={(d) => signed(formatDuration(Math.abs(d)), d)}
          />
          <CompareTable title="Hyperparameters" rows={hyperParameterRows(runs)} runs={heads} />
          <CompareTable title="Input" rows={inputRows(runs)} runs={heads} />
        </>
      )}
    </>
  );
}
