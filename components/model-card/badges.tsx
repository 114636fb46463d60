/** Card and approval statuses: a glyph and a word (never colour alone), tinted on screen, outlined in print. */
import { STATUS_LABEL } from "@/lib/models/permissions";
import type { ApprovalStatus, CardStatus } from "@/lib/models/schema";
import styles from "./model-card.module.css";

type Tone = "ok" | "fail" | "warn" | "idle" | "run";

const CARD: Record<CardStatus, { glyph: string; tone: Tone }> = {
  DRAFT: { glyph: "✎", tone: "idle" },
  PENDING_REVIEW: { glyph: "◔", tone: "warn" },
  APPROVED: { glyph: "✓", tone: "ok" },
  ARCHIVED: { glyph: "▪", tone: "idle" },
};

const APPROVAL: Record<ApprovalStatus, { glyph: string; tone: Tone; label: string }> = {
  APPROVED: { glyph: "✓", tone: "ok", label: "Approved" },
  PENDING_MANUAL_APPROVAL: { glyph: "◔", tone: "warn", label: "Pending approval" },
  REJECTED: { glyph: "✕", tone: "fail", label: "Rejected" },
};

export function CardStatusBadge({ status, prefix }: { status: CardStatus; prefix?: string }) {
  const look = CARD[status];
  return (
    <span className={styles.badge} data-tone={look.tone} data-testid="card-status">
      <span aria-hidden="true">{look.glyph}</span>
      {prefix ? `${prefix} ` : ""}
      {STATUS_LABEL[status]}
    </span>
  );
}

export function ApprovalBadge({ status, prefix }: { status: ApprovalStatus; prefix?: string }) {
  const look = APPROVAL[status];
  return (
    <span className={styles.badge} data-tone={look.tone}>
      <span aria-hidden="true">{look.glyph}</span>
      {prefix ? `${prefix} ` : ""}
      {look.label}
    </span>
  );
}

export const approvalLabel = (status: ApprovalStatus) => APPROVAL[status].label;

/** Pass / fail against a threshold, in words and a glyph. */
export function PassBadge({ passes }: { passes: boolean }) {
  return (
    <span className={styles.badge} data-tone={passes ? "ok" : "fail"}>
      <span aria-hidden="true">{passes ? "✓" : "✕"}</span>
      {passes ? "Meets" : "Misses"}
    </span>
  );
}
