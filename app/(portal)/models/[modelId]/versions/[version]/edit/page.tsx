import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CardEditForm } from "@/components/model-card/card-edit-form";
import styles from "@/components/model-card/model-page.module.css";
import { requireUser } from "@/lib/auth/current";
import { getModel, getModelCard } from "@/lib/dal/models";
import { canEditModelCard, ownerRef } from "@/lib/models/permissions";
import { ModelVersionParams } from "@/lib/models/schema";
import { saveCardAction } from "../../../actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Edit model card" };

type Props = { params: Promise<{ modelId: string; version: string }> };

export default async function EditCardPage({ params }: Props) {
  const user = await requireUser();
  const parsed = ModelVersionParams.safeParse(await params);
  if (!parsed.success) notFound();
  const [model, card] = await Promise.all([getModel({ modelId: parsed.data.modelId }), getModelCard(parsed.data)]);
  if (!model || !card) notFound();
  const back = `/models/${model.id}?version=${card.version}`;
  const canEdit = canEditModelCard(user, ownerRef(user, model.team));

  return (
    <>
      <nav aria-label="Breadcrumb" className={styles.meta}>
        <Link href="/models">Models</Link>
        <span aria-hidden="true">/</span>
        <Link href={back}>
          {model.name} version {card.version}
        </Link>
        <span aria-hidden="true">/</span>
        <span>Edit</span>
      </nav>
      <div className={styles.header}>
        <h1>
          Edit the card of {model.name} version {card.version}
        </h1>
      </div>
      {!canEdit ? (
        <div className="empty-state" role="alert" data-testid="edit-forbidden">
          <p>
            Only members of {model.team ? `the ${model.team.name} team` : "the owning team"} (or Stepwise admins) can
            edit this card.
          </p>
          <p>
            <Link href={back}>Back to the card</Link>
          </p>
        </div>
      ) : card.identity.cardStatus === "ARCHIVED" ? (
        <div className="empty-state" role="alert">
          <p>This card is archived. Reopen it as a draft from the card page before editing.</p>
        </div>
      ) : (
        <>
          {card.narrativeSource.kind === "inherited" ? (
            <p className={styles.hint}>
              The fields start from the card of version {card.narrativeSource.fromVersion}. Saving makes them this
              version&apos;s first revision.
            </p>
          ) : null}
          <CardEditForm
            modelId={model.id}
            version={card.version}
            baseRevision={card.latestRevision}
            narrative={card.narrative}
            action={saveCardAction}
            cancelHref={back}
          />
        </>
      )}
    </>
  );
}
