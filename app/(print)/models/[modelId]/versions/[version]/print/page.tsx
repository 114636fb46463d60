import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ApprovalBadge, CardStatusBadge } from "@/components/model-card/badges";
import { CardDocument } from "@/components/model-card/card-document";
import styles from "@/components/model-card/print.module.css";
import { PrintButton } from "@/components/model-card/print-button";
import { PrintRules } from "@/components/model-card/print-rules";
import { QrCode } from "@/components/model-card/qr-code";
import { getModelCard } from "@/lib/dal/models";
import { formatUtc } from "@/lib/format";
import { STATUS_LABEL } from "@/lib/models/permissions";
import { ModelVersionParams } from "@/lib/models/schema";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ modelId: string; version: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const parsed = ModelVersionParams.safeParse(await params);
  if (!parsed.success) return { title: "Model card" };
  const card = await getModelCard(parsed.data);
  return { title: card ? `${card.model.name} v${card.version} · Model card` : "Model card" };
}

export default async function PrintCardPage({ params, searchParams }: Props) {
  const parsed = ModelVersionParams.safeParse(await params);
  if (!parsed.success) notFound();
  const card = await getModelCard(parsed.data);
  if (!card) notFound();
  // The server PDF (lib/models/pdf.ts) draws its own header and footer with Chromium's templates.
  const forPdf = (await searchParams).pdf === "1";
  const printed = formatUtc(new Date().toISOString());
  const status = STATUS_LABEL[card.identity.cardStatus];
  const running = `${card.model.name} · version ${card.version} · ${status}`;

  return (
    <div className={styles.paper} data-testid="print-view">
      <PrintRules running={running} footer={`Printed ${printed} · ${card.url}`} marginBoxes={!forPdf} />
      <div className={`${styles.screenBar} no-print`}>
        <Link href={`/models/${card.model.id}?version=${card.version}`}>← Back to the card</Link>
        <span className={styles.spacer} />
        <PrintButton className={styles.button} />
        <a className={styles.button} href={`/api/models/${card.model.id}/versions/${card.version}/pdf`}>
          Download PDF
        </a>
      </div>
      <header className={styles.titleBlock}>
        <div className={styles.titleText}>
          <p className={styles.kicker}>Model card</p>
          <h1 className={styles.title}>
            {card.model.name} <span className={styles.titleVersion}>version {card.version}</span>
          </h1>
          <p className={styles.badges}>
            <CardStatusBadge status={card.identity.cardStatus} prefix="Card:" />{" "}
            <ApprovalBadge status={card.identity.approvalStatus} prefix="Registry:" />
          </p>
          <p className={styles.facts}>
            Owners: {card.identity.owners?.name ?? "—"} · Registered {formatUtc(card.identity.createdAt, "date")} ·
            Printed {printed} ·{" "}
            {card.narrativeSource.kind === "own"
              ? `narrative revision ${card.latestRevision}`
              : card.narrativeSource.kind === "inherited"
                ? `narrative of version ${card.narrativeSource.fromVersion}`
                : "no narrative yet"}
          </p>
          <p className={styles.url}>{card.url}</p>
        </div>
        <QrCode value={card.url} label={`QR code linking to ${card.url}`} className={styles.qr} />
      </header>
      <CardDocument card={card} />
    </div>
  );
}
