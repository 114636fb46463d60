/**
 * Saving a card's narrative: a new immutable revision authored by the caller. Only members of the
 * owning team (or admins) may; the caller must have started from the latest revision (else 409, so two
 * editors never overwrite each other silently). Keys the form does not edit (the imported SageMaker
 * content under `sagemaker`, `importedFrom`, `modelOwner`) are carried over unchanged. Saving a card
 * that was pending review or approved puts it back to draft: an approval covers the reviewed text.
 */
import "server-only";
import type { Principal } from "@/lib/auth/principal";
import { badRequest } from "@/lib/errors";
import { type AppendResult, appendCardRevision } from "./card-store";
import { assertCanEditModelCard } from "./permissions";
import { loadInheritedNarrative } from "./queries";
import {
  type CardNarrative,
  type CardStatus,
  NARRATIVE_FIELDS,
  readNarrative,
  type SaveCardRevisionInput,
} from "./schema";

/** The narrative as stored: every field present (null when empty), thresholds as a list. */
export function normaliseNarrative(content: CardNarrative): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of NARRATIVE_FIELDS) out[field.key] = content[field.key] ?? null;
  out.riskRating = content.riskRating ?? null;
  out.metricThresholds = content.metricThresholds ?? [];
  return out;
}

export async function saveCardRevision({
  principal,
  input,
}: {
  principal: Principal;
  input: SaveCardRevisionInput;
}): Promise<AppendResult> {
  // A first revision usually starts from an earlier version's card (the form is filled with it): say so.
  const inherited = await loadInheritedNarrative(input.modelId, input.version);
  const inheritedFrom = inherited ? { version: inherited.fromVersion, revision: inherited.revision } : null;
  return appendCardRevision({
    modelId: input.modelId,
    version: input.version,
    baseRevision: input.baseRevision,
    principal,
    check: (card) => assertCanEditModelCard(principal, card),
    plan: {
      decide: (card) => {
        const next = normaliseNarrative(input.content);
        const before = normaliseNarrative(readNarrative(card.content));
        if (card.latestRevision > 0 && JSON.stringify(next) === JSON.stringify(before)) {
          throw badRequest("Nothing changed: the card already says exactly this.");
        }
        // Pending review and approved cards go back to draft: the approval covered the earlier text.
        const status: CardStatus = "DRAFT";
        const content = {
          ...card.content,
          ...next,
          ...(card.latestRevision === 0 && inheritedFrom ? { inheritedFrom } : {}),
        };
        const note = input.note?.trim() || null;
        return { content, status, note };
      },
    },
  });
}
