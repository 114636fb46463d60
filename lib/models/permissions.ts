/**
 * Who may do what with a model card. Reading is open to every signed-in user. Editing the narrative
 * needs write rights for the model's owning team (a MEMBER, or an admin: lib/auth/permissions.ts).
 * Approving needs a REVIEWER membership of the owning team, or admin. The status workflow is
 *
 *   DRAFT ──submit──▶ PENDING_REVIEW ──approve (reviewer)──▶ APPROVED ──archive──▶ ARCHIVED
 *     ▲                   │ request changes (reviewer) / withdraw (editor)              │
 *     └───────────────────┴───────────────────── reopen (editor) ◀──────────────────────┘
 *
 * and saving a new revision of a PENDING_REVIEW or APPROVED card puts it back to DRAFT (an approval
 * covers the text that was reviewed, not later edits). An ARCHIVED card is reopened before editing.
 */
import { canWriteForTeam } from "@/lib/auth/permissions";
import type { AuthUser, Principal } from "@/lib/auth/principal";
import { conflict, forbidden } from "@/lib/errors";
import type { CardStatus } from "./schema";

type CardRef = { teamId: number | null };

/**
 * The owning team as the checks below read it, from the team the API answers (`model.team`, named by its slug):
 * the id of the user's own membership of that team, or null when there is none. Exactly what the checks need —
 * they look only at the user's memberships (an admin needs none) — without the database id in the answer.
 */
export function ownerRef(user: AuthUser | null | undefined, team: { slug: string } | null): CardRef {
  if (!user || !team) return { teamId: null };
  return { teamId: user.teams.find((t) => t.slug === team.slug)?.id ?? null };
}

export function canEditModelCard(user: AuthUser | null | undefined, card: CardRef): boolean {
  return Boolean(user && canWriteForTeam(user, card.teamId));
}

export function canApproveModelCard(user: AuthUser | null | undefined, card: CardRef): boolean {
  if (!user) return false;
  if (user.isAdmin) return true;
  if (card.teamId === null) return false;
  return user.teams.some((t) => t.id === card.teamId && t.role === "REVIEWER");
}

export type Transition = { from: CardStatus; to: CardStatus; label: string; who: "editor" | "reviewer" | "either" };

export const TRANSITIONS: readonly Transition[] = [
  { from: "DRAFT", to: "PENDING_REVIEW", label: "Submit for review", who: "editor" },
  { from: "PENDING_REVIEW", to: "APPROVED", label: "Approve", who: "reviewer" },
  { from: "PENDING_REVIEW", to: "DRAFT", label: "Return to draft", who: "either" },
  { from: "APPROVED", to: "ARCHIVED", label: "Archive", who: "either" },
  { from: "ARCHIVED", to: "DRAFT", label: "Reopen as draft", who: "editor" },
  { from: "DRAFT", to: "ARCHIVED", label: "Archive", who: "editor" },
];

export const STATUS_LABEL: Record<CardStatus, string> = {
  DRAFT: "Draft",
  PENDING_REVIEW: "Pending review",
  APPROVED: "Approved",
  ARCHIVED: "Archived",
};

function allowed(transition: Transition, user: AuthUser, card: CardRef): boolean {
  const editor = canEditModelCard(user, card);
  const reviewer = canApproveModelCard(user, card);
  if (transition.who === "editor") return editor;
  if (transition.who === "reviewer") return reviewer;
  return editor || reviewer;
}

/** The status changes this user can make from `status` (for the buttons). */
export function availableTransitions(user: AuthUser | null | undefined, card: CardRef & { status: CardStatus }) {
  if (!user) return [];
  return TRANSITIONS.filter((t) => t.from === card.status && allowed(t, user, card));
}

/** 403 when the principal may not edit (or uses a read-only token); 409 when the card is archived. */
export function assertCanEditModelCard(principal: Principal, card: CardRef & { status: CardStatus }): void {
  if (!principal.canWrite) throw forbidden("This API token is read-only.");
  if (!canEditModelCard(principal.user, card)) {
    throw forbidden("Only members of the model's owning team (or admins) can edit its card.");
  }
  if (card.status === "ARCHIVED") throw conflict("This card is archived. Reopen it as a draft before editing.");
}

/** 409 for a change the workflow does not have; 403 when this principal may not make it. */
export function assertCanSetCardStatus(
  principal: Principal,
  card: CardRef & { status: CardStatus },
  to: CardStatus,
): Transition {
  if (!principal.canWrite) throw forbidden("This API token is read-only.");
  const transition = TRANSITIONS.find((t) => t.from === card.status && t.to === to);
  if (!transition) {
    throw conflict(`A card cannot go from ${STATUS_LABEL[card.status]} to ${STATUS_LABEL[to]}.`);
  }
  if (!allowed(transition, principal.user, card)) {
    throw forbidden(
      transition.who === "reviewer"
        ? "Only reviewers of the owning team (or admins) can approve a model card."
        : "Only members of the model's owning team (or admins) can change this card's status.",
    );
  }
  return transition;
}
