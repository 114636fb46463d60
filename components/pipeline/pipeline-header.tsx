import Link from "next/link";
import { WatchButton } from "@/components/alerts/watch-button";
import { StatusBadge } from "@/components/ui/status-badge";
import ui from "@/components/ui/ui.module.css";
import type { PipelineDetail } from "@/lib/dal/pipelines";
import { formatUtc } from "@/lib/format";
import { metricLabel } from "@/lib/metrics/direction";
import styles from "./pipeline.module.css";

const JOB_LABELS: Record<string, string> = {
  createTrainingJob: "training",
  createProcessingJob: "processing",
  createTransformJob: "batch transform",
  createHyperParameterTuningJob: "tuning",
  createModelPackage: "model registration",
  createModel: "model",
};

/** Definition summary, ownership and links: what the pipeline is, before how it runs. */
export function PipelineHeader({ pipeline }: { pipeline: PipelineDetail }) {
  const d = pipeline.definition;
  const consoleUrl = `https://${pipeline.region}.console.aws.amazon.com/states/home?region=${pipeline.region}#/statemachines/view/${encodeURIComponent(pipeline.stateMachineArn)}`;
  const types = Object.entries(d.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `${n} ${type}`)
    .join(", ");
  const jobs = Object.entries(d.sagemaker)
    .map(([kind, n]) => `${n} ${JOB_LABELS[kind] ?? kind}`)
    .join(", ");
  const tags = Object.entries(pipeline.tags).filter(([key]) => !key.startsWith("stepwise:"));
  return (
    <>
      <nav aria-label="Breadcrumb" className="muted" style={{ marginBottom: 4 }}>
        <Link href="/pipelines">Pipelines</Link> /
      </nav>
      <div className={styles.header}>
        <div>
          <h1 style={{ marginBottom: 4 }}>{pipeline.name}</h1>
          {pipeline.description ? <p style={{ margin: 0 }}>{pipeline.description}</p> : null}
          <p style={{ margin: "6px 0 0" }}>
            {tags.map(([key, value]) => (
              <span key={key} className={styles.tag}>
                {key}={value}
              </span>
            ))}
          </p>
        </div>
        <div className={styles.links}>
          <WatchButton pipelineId={pipeline.id} />
          {pipeline.latestRun ? (
            <Link className={ui.button} href={`/runs/${pipeline.latestRun.publicId}`}>
              Latest run graph →
            </Link>
          ) : null}
          <a className={`${ui.button} no-print`} href={consoleUrl} rel="noreferrer noopener" target="_blank">
            AWS console ↗
          </a>
        </div>
      </div>
      <dl className={`${styles.facts} card`} aria-label="Pipeline summary">
        <div>
          <dt>Team</dt>
          <dd>{pipeline.team?.name ?? "—"}</dd>
        </div>
        <div>
          <dt>Latest run</dt>
          <dd>
            {pipeline.latestRun ? (
              <>
                <StatusBadge status={pipeline.latestRun.status} /> {formatUtc(pipeline.latestRun.startedAt)}
              </>
            ) : (
              "never ran"
            )}
          </dd>
        </div>
        <div>
          <dt>Runs</dt>
          <dd>
            {pipeline.runCount.value.toLocaleString("en-US")}
            {pipeline.runCount.bounded ? "+" : ""}
          </dd>
        </div>
        <div>
          <dt>Definition</dt>
          <dd>
            {d.states} states{types ? ` (${types})` : ""}
            {d.maps || d.parallels ? ` · ${d.maps} Map, ${d.parallels} Parallel` : ""}
          </dd>
        </div>
        <div>
          <dt>SageMaker steps</dt>
          <dd>{jobs || "—"}</dd>
        </div>
        <div>
          <dt>Revisions</dt>
          <dd>
            {pipeline.revisions} definition revision{pipeline.revisions === 1 ? "" : "s"}
          </dd>
        </div>
        <div>
          <dt>State machine</dt>
          <dd>
            <code>{pipeline.stateMachineArn.split(":").slice(-1)[0]}</code> · {pipeline.type.toLowerCase()} ·{" "}
            {pipeline.region}
          </dd>
        </div>
        <div>
          <dt>Headline metric</dt>
          <dd>{pipeline.headlineMetric ? metricLabel(pipeline.headlineMetric) : "—"}</dd>
        </div>
      </dl>
    </>
  );
}
