/** /embed/models/<id>/versions/<n>: one version's model card, without the portal's chrome. */
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ApprovalBadge, CardStatusBadge } from "@/components/model-card/badges";
import { CardDocument } from "@/components/model-card/card-document";
import { requirePrincipal } from "@/lib/auth/current";
import { getModelCard } from "@/lib/dal/models";
import { ModelVersionParams } from "@/lib/models/schema";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ modelId: string; version: string }> };

export async function generateMetadata(): Promise<Metadata> {
  await requirePrincipal();
  return { title: "Model card · Stepwise", robots: { index: false } };
}

export default async function EmbeddedModelCardPage({ params }: Props) {
  const parsed = ModelVersionParams.safeParse(await params);
  if (!parsed.success) notFound();
  const card = await getModelCard(parsed.data);
  if (!card) notFound();
  return (
    <article aria-labelledby="card-title">
      <h1 id="card-title" className="embed-title">
        {card.model.name} <span className="muted">version {card.version}</span>
      </h1>
      <p>
        <CardStatusBadge status={card.identity.cardStatus} prefix="Card:" />{" "}
        <ApprovalBadge status={card.identity.approvalStatus} prefix="Registry:" />
      </p>
      <CardDocument card={card} />
    </article>
  );
}
