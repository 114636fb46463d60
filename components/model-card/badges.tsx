/** Card and approval statuses: a glyph and a word (never colour alone), tinted on screen, outlined in print. */

import { Badge } from "@/components/ui/status-badge";
import { STATUS_LABEL } from "@/lib/models/permissions";
import type { ApprovalStatus, CardStatus } from "@/lib/models/schema";
import type { Tone } from "@/lib/status";

const CARD: Record<CardStatus, { glyph: string; tone: Tone }> = {
  DRAFT: { glyph: "✎", tone: "idle" },
  PENDING_REVIEW: { glyph: "◔", tone: "warn" },
  APPROVED: { glyph: "✓", tone: "ok" },
  ARCHIVED: { glyph: "▪", tone: "idle" },
};

const APPROVAL: Record<ApprovalStatus, { glyph: string; tone: Tone; label: string }> = {
  APPROVED: { glyph: "✓", tone: "ok", label: "Approved" },
  PENDING_MANUAL_APPROVAL: { glyph: "◔", tone: "warn", label: "Pending approval" },
  REJECTED: { glyph: "✗", tone: "fail", label: "Rejected" },
};

export function CardStatusBadge({ status, prefix }: { status: CardStatus; prefix?: string }) {
  const look = CARD[status];
  return (
    <Badge tone={look.tone} glyph={look.glyph} size="sm" testId="card-status">
      {prefix ? `${prefix} ` : ""}
      {STATUS_LABEL[status]}
    </Badge>
  );
}

export function ApprovalBadge({ status, prefix }: { status: ApprovalStatus; prefix?: string }) {
  const look = APPROVAL[status];
  return (
    <Badge tone={look.tone} glyph={look.glyph} size="sm">
      {prefix ? `${prefix} ` : ""}
      {look.label}
    </Badge>
  );
}

export const approvalLabel = (status: ApprovalStatus) => APPROVAL[status].label;

/** Pass / fail against a threshold, in words and a glyph. */
export function PassBadge({ passes }: { passes: boolean }) {
  return (
    <Badge tone={passes ? "ok" : "fail"} glyph={passes ? "✓" : "✗"} size="sm">
      {passes ? "Meets" : "Misses"}
    </Badge>
  );
}
