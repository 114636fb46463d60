"use server";
/**
 * Server actions of the card page: save a narrative revision, change the card's status. Both go
 * through withAction (session, zod, audit) and the domain functions in lib/models, which check
 * permissions on the server whatever the page showed.
 */
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { type ActionResult, withAction } from "@/lib/auth/action";
import { saveCardRevision } from "@/lib/models/save-card-revision";
import { CardEditForm, SetCardStatusInput } from "@/lib/models/schema";
import { setCardStatus } from "@/lib/models/set-card-status";

const saveCard = withAction(
  { schema: CardEditForm, action: "model_card.save" },
  async ({ input, principal, auditTarget }) => {
    const saved = await saveCardRevision({ principal, input });
    auditTarget({
      type: "model_card",
      id: String(saved.cardId),
      details: { modelId: input.modelId, version: input.version, revision: saved.revision },
    });
    return saved;
  },
);

export type SaveCardState = ActionResult<{ revision: number }> | null;

export async function saveCardAction(_previous: SaveCardState, form: FormData): Promise<SaveCardState> {
  const result = await saveCard(form);
  if (!result.ok) return result;
  const modelId = String(form.get("modelId"));
  const version = String(form.get("version"));
  revalidatePath(`/models/${modelId}`);
  const to = result.data.revision;
  redirect(`/models/${modelId}/versions/${version}/history?from=${Math.max(0, to - 1)}&to=${to}&saved=1`);
}

const changeStatus = withAction(
  { schema: SetCardStatusInput, action: "model_card.status" },
  async ({ input, principal, auditTarget }) => {
    const changed = await setCardStatus({ principal, input });
    auditTarget({
      type: "model_card",
      id: String(changed.cardId),
      details: { modelId: input.modelId, version: input.version, status: input.status, revision: changed.revision },
    });
    return { revision: changed.revision, status: changed.status };
  },
);

export type SetStatusState = ActionResult<{ revision: number; status: string }> | null;

export async function setCardStatusAction(_previous: SetStatusState, form: FormData): Promise<SetStatusState> {
  const result = await changeStatus(form);
  if (result.ok) revalidatePath(`/models/${String(form.get("modelId"))}`);
  return result;
}
