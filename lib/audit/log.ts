import "server-only";
import { prisma } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";
import { currentRequestContext } from "./request-context";

export type AuditOutcome = "ok" | "denied" | "failed";

export type AuditActor = { id: string; email: string | null } | null;

export type AuditEntryInput = {
  actor: AuditActor;
  /** "session", "token:<id>", "system", "idp" */
  via: string;
  /** Dotted verb, e.g. "auth.login", "token.create", "team.update", "session.revoke". */
  action: string;
  targetType?: string;
  targetId?: string;
  outcome: AuditOutcome;
  details?: Prisma.InputJsonObject;
  ip?: string | null;
  userAgent?: string | null;
};

/**
 * Appends one audit row. IP and user agent default to the current request's
 * (lib/auth/request-context.ts). Never throws: a failing audit write is logged
 * rather than turning a successful action into an error for the user.
 */
export async function recordAudit(entry: AuditEntryInput): Promise<void> {
  const context = currentRequestContext();
  try {
    await prisma.auditLog.create({
      data: {
        actorId: entry.actor?.id ?? null,
        actorEmail: entry.actor?.email ?? null,
        via: entry.via,
        action: entry.action,
        targetType: entry.targetType ?? null,
        targetId: entry.targetId ?? null,
        outcome: entry.outcome,
        ip: entry.ip !== undefined ? entry.ip : context.ip,
        userAgent: entry.userAgent !== undefined ? entry.userAgent : context.userAgent,
        details: entry.details ?? {},
      },
    });
  } catch (error) {
    logger.error(
      { action: entry.action, error: error instanceof Error ? error.message : String(error) },
      "audit row could not be recorded",
    );
  }
}

export async function listAuditEntries({
  limit = 100,
  before,
  action,
}: {
  limit?: number;
  before?: bigint;
  action?: string;
} = {}) {
  return prisma.auditLog.findMany({
    where: {
      ...(before ? { id: { lt: before } } : {}),
      ...(action ? { action: { startsWith: action } } : {}),
    },
    orderBy: { id: "desc" },
    take: Math.min(Math.max(limit, 1), 500),
  });
}
