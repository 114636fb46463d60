import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ApprovalBadge, CardStatusBadge } from "@/components/model-card/badges";
import { CardDocument } from "@/components/model-card/card-document";
import { LiveRefresh } from "@/components/model-card/live-refresh";
import styles from "@/components/model-card/model-page.module.css";
import { PrintRules } from "@/components/model-card/print-rules";
import { StatusActions, type StatusButton } from "@/components/model-card/status-actions";
import ui from "@/components/ui/ui.module.css";
import { requireUser } from "@/lib/auth/current";
import { getModel, getModelCard } from "@/lib/dal/models";
import { formatMetric, formatUtc } from "@/lib/format";
import { shortMetricLabel } from "@/lib/metrics/direction";
import { availableTransitions, canEditModelCard, ownerRef, STATUS_LABEL } from "@/lib/models/permissions";
import { ModelIdParams } from "@/lib/models/schema";
import { setCardStatusAction } from "./actions";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ modelId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const parsed = ModelIdParams.safeParse(await params);
  if (!parsed.success) return { title: "Model" };
  const model = await getModel({ modelId: parsed.data.modelId });
  return { title: model ? `${model.name} · Models` : "Model" };
}

export default async function ModelPage({ params, searchParams }: Props) {
  const user = await requireUser();
  const parsed = ModelIdParams.safeParse(await params);
  if (!parsed.success) notFound();
  const model = await getModel({ modelId: parsed.data.modelId });
  if (!model) notFound();
  const query = await searchParams;

  const requested = Number(first(query.version));
  // Default: the newest approved version (the one in production), else the newest.
  const fallback = model.versions.find((v) => v.approvalStatus === "APPROVED") ?? model.versions[0];
  const selected =
    Number.isInteger(requested) && model.versions.some((v) => v.version === requested) ? requested : fallback?.version;
  const card = selected !== undefined ? await getModelCard({ modelId: model.id, version: selected }) : null;

  const teamRef = ownerRef(user, model.team);
  const canEdit = canEditModelCard(user, teamRef);
  const buttons: StatusButton[] = card
    ? availableTransitions(user, { ...teamRef, status: card.identity.cardStatus })
        .filter(() => card.latestRevision > 0)
        .map((t) => ({ to: t.to, label: t.label, primary: t.to === "APPROVED" || t.to === "PENDING_REVIEW" }))
    : [];
  const base = card ? `/models/${model.id}/versions/${card.version}` : "";

  return (
    <>
      <LiveRefresh topics={[`model:${model.id}`]} />
      <nav aria-label="Breadcrumb" className={`${styles.meta} no-print`}>
        <Link href="/models">Models</Link>
        <span aria-hidden="true">/</span>
        <span>{model.name}</span>
      </nav>
      <header className={`${styles.header} no-print`}>
        <h1>{model.name}</h1>
        <div className={styles.meta}>
          <span>Owners: {model.team?.name ?? "no owning team"}</span>
          {model.pipeline ? (
            <span>
              Pipeline: <Link href={`/pipelines/${model.pipeline.id}`}>{model.pipeline.name}</Link>
            </span>
          ) : null}
          <span>
            {model.versions.length} version{model.versions.length === 1 ? "" : "s"}
          </span>
        </div>
      </header>

      <div className={styles.layout}>
        <aside className={`${styles.versions} no-print`} aria-labelledby="versions-heading">
          <h2 id="versions-heading">Versions</h2>
          <ul className={styles.versionList}>
            {model.versions.map((v) => (
              <li key={v.version}>
                <Link
                  href={`/models/${model.id}?version=${v.version}`}
                  aria-current={v.version === selected ? "page" : undefined}
                  scroll={false}
                >
                  <span className={styles.versionNumber}>Version {v.version}</span>
                  <span className={styles.versionBadge}>
                    <ApprovalBadge status={v.approvalStatus} />
                  </span>
                  <span className={styles.versionMeta}>
                    <span>{formatUtc(v.createdAt, "date")}</span>
                    {v.headline ? (
                      <span>
                        {shortMetricLabel(v.headline.metric)} {formatMetric(v.headline.value)}
                      </span>
                    ) : null}
                    {v.cardStatus ? <span>card: {v.cardStatus.toLowerCase().replace("_", " ")}</span> : null}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </aside>

        <div>
          {card ? (
            <>
              <div className={`${styles.toolbar} no-print`}>
                <strong>Version {card.version}</strong>
                <CardStatusBadge status={card.identity.cardStatus} prefix="Card:" />
                <ApprovalBadge status={card.identity.approvalStatus} prefix="Registry:" />
                <span className={styles.toolbarSpacer} />
                {canEdit && card.identity.cardStatus !== "ARCHIVED" ? (
                  <Link href={`${base}/edit`} className={`${ui.button} ${ui.primary}`}>
                    Edit card
                  </Link>
                ) : null}
                <Link href={`${base}/history`} className={ui.button}>
                  History{card.latestRevision ? ` (${card.latestRevision})` : ""}
                </Link>
                <Link href={`${base}/print`} className={ui.button} prefetch={false}>
                  Print view
                </Link>
                <a href={`/api/models/${model.id}/versions/${card.version}/pdf`} className={ui.button}>
                  Download PDF
                </a>
              </div>
              {buttons.length ? (
                <div className={`${styles.toolbar} no-print`}>
                  <span className={styles.hint}>Workflow:</span>
                  <StatusActions
                    modelId={model.id}
                    version={card.version}
                    baseRevision={card.latestRevision}
                    buttons={buttons}
                    action={setCardStatusAction}
                  />
                </div>
              ) : null}
              <PrintRules
                running={`${card.model.name} · version ${card.version} · ${STATUS_LABEL[card.identity.cardStatus]}`}
                footer={`Printed ${formatUtc(new Date().toISOString())} · ${card.url}`}
              />
              {canEdit && card.latestRevision === 0 ? (
                <p className={`${styles.hint} no-print`}>
                  This version&apos;s card has not been saved in Stepwise yet: edit and save it once to start its review
                  workflow.
                </p>
              ) : null}
              <CardDocument card={card} />
            </>
          ) : (
            <div className="empty-state">
              <p>This model has no versions yet.</p>
            </div>
          )}
        </div>
      </div>
    </>
  );
}
