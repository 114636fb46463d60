/**
 * Moving a card through Draft → Pending review → Approved → Archived (transitions and who may make
 * them: permissions.ts). A status change is itself a revision (same content, new status, the caller as
 * author), so the history shows who submitted and who approved, and when. Four eyes: the author of the
 * card's latest content cannot approve it, unless an admin turned the `model_card.four_eyes` setting off.
 */
import "server-only";
import { getSetting } from "@/lib/admin/settings";
import type { Principal } from "@/lib/auth/principal";
import { conflict, forbidden } from "@/lib/errors";
import { type AppendResult, appendCardRevision } from "./card-store";
import { assertCanSetCardStatus, STATUS_LABEL } from "./permissions";
import type { SetCardStatusInput } from "./schema";

export async function setCardStatus({
  principal,
  input,
}: {
  principal: Principal;
  input: SetCardStatusInput;
}): Promise<AppendResult> {
  const fourEyes = input.status === "APPROVED" ? await getSetting("model_card.four_eyes") : false;
  return appendCardRevision({
    modelId: input.modelId,
    version: input.version,
    baseRevision: input.baseRevision,
    principal,
    check: (card) => {
      assertCanSetCardStatus(principal, card, input.status);
    },
    plan: {
      decide: (card) => {
        const transition = assertCanSetCardStatus(principal, card, input.status);
        if (card.latestRevision === 0) {
          throw conflict("Write the card (save a first revision) before changing its status.");
        }
        if (fourEyes && card.contentAuthorId === principal.user.id) {
          throw forbidden(
            "Four eyes: you wrote this card's latest content, so another reviewer approves it (an admin can relax this).",
          );
        }
        const note =
          input.note?.trim() || `${transition.label}: ${STATUS_LABEL[card.status]} → ${STATUS_LABEL[input.status]}`;
        return { content: card.content, status: input.status, note };
      },
    },
  });
}
