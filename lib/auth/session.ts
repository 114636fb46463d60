/**
 * Server-side session enforcement: the cookie is only a lookup key; the database
 * row decides. Idle expiry slides here (at most one write per
 * SESSION_UPDATE_SECONDS), the absolute end never moves, and a deleted row
 * (sign-out, sign-out everywhere, admin revocation) ends access at once.
 */
import "server-only";
import { recordAudit } from "@/lib/audit/log";
import { prisma } from "@/lib/db";
import { authSettings, cookieNames } from "./config";
import { sha256 } from "./hash";
import { type AuthUser, type Principal, toAuthUser, userInclude } from "./principal";

export type ActiveSession = { id: string; user: AuthUser; expires: Date; absoluteExpiresAt: Date | null };

/** Reads a cookie from a raw Cookie header (route handlers get plain Requests in tests). */
export function readCookie(cookieHeader: string | null, name: string): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return null;
}

export function sessionTokenFromCookieHeader(cookieHeader: string | null): string | null {
  return readCookie(cookieHeader, cookieNames().sessionToken);
}

export async function findActiveSession(sessionToken: string | null | undefined): Promise<ActiveSession | null> {
  if (!sessionToken || sessionToken.length > 200) return null;
  const session = await prisma.session.findUnique({
    where: { sessionToken: sha256(sessionToken) },
    include: { user: { include: userInclude } },
  });
  if (!session) return null;
  const now = Date.now();
  const absolute = session.absoluteExpiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (session.expires.getTime() <= now || absolute <= now) {
    await prisma.session.deleteMany({ where: { id: session.id } });
    return null;
  }
  let expires = session.expires;
  const idleMs = authSettings.sessionIdleSeconds() * 1000;
  const updateMs = authSettings.sessionUpdateSeconds() * 1000;
  if (expires.getTime() - idleMs + updateMs <= now) {
    expires = new Date(Math.min(now + idleMs, absolute));
    await prisma.session.updateMany({ where: { id: session.id }, data: { expires } });
  }
  return { id: session.id, user: toAuthUser(session.user), expires, absoluteExpiresAt: session.absoluteExpiresAt };
}

export function sessionPrincipal(session: ActiveSession): Principal {
  return { user: session.user, via: "session", credentialId: session.id, canWrite: true };
}

export async function listSessions({ userId, limit = 200 }: { userId?: string; limit?: number } = {}) {
  return prisma.session.findMany({
    where: { ...(userId ? { userId } : {}), expires: { gt: new Date() } },
    orderBy: { createdAt: "desc" },
    take: limit,
    select: {
      id: true,
      createdAt: true,
      expires: true,
      absoluteExpiresAt: true,
      ip: true,
      userAgent: true,
      user: { select: { id: true, email: true, name: true } },
    },
  });
}

/** Ends one session (sign-out, or an admin revoking it). Returns whether a session was ended. */
export async function revokeSession({
  sessionId,
  actor,
  via,
  reason,
}: {
  sessionId: string;
  actor: { id: string; email: string | null };
  via: string;
  reason: "sign-out" | "admin";
}): Promise<boolean> {
  const deleted = await prisma.session.deleteMany({ where: { id: sessionId } });
  await recordAudit({
    actor,
    via,
    action: reason === "sign-out" ? "auth.logout" : "session.revoke",
    targetType: "session",
    targetId: sessionId,
    outcome: deleted.count > 0 ? "ok" : "failed",
  });
  return deleted.count > 0;
}

/** Sign-out everywhere: every session of the user ends. */
export async function revokeAllSessions({
  userId,
  actor,
  via,
}: {
  userId: string;
  actor: { id: string; email: string | null };
  via: string;
}): Promise<number> {
  const deleted = await prisma.session.deleteMany({ where: { userId } });
  await recordAudit({
    actor,
    via,
    action: "auth.logout_everywhere",
    targetType: "user",
    targetId: userId,
    outcome: "ok",
    details: { sessions: deleted.count },
  });
  return deleted.count;
}
