/**
 * Server-side session enforcement: the cookie is only a lookup key; the database
 * row decides. Idle expiry slides here (at most one write per
 * SESSION_UPDATE_SECONDS, and only for requests that are activity), the absolute
 * end never moves, and a deleted row (sign-out, sign-out everywhere, admin
 * revocation) ends access at once. A lookup is one SQL statement.
 */
import "server-only";
import { recordAudit } from "@/lib/audit/log";
import { pool, prisma } from "@/lib/db";
import { authSettings, cookieNames } from "./config";
import { sha256 } from "./hash";
import type { AuthUser, Principal } from "./principal";

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

/** SQL fragment: a JS epoch-milliseconds parameter as the UTC `timestamp(3)` our columns hold. */
export const utcParam = (index: number) => `(to_timestamp($${index}::float8 / 1000) AT TIME ZONE 'UTC')`;
/** SQL fragment: a `timestamp(3)` column (UTC) as epoch milliseconds. */
export const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/** The user and their teams as JSON, for the principal lookups (session and token) in one statement. */
export const USER_JSON = `json_build_object(
  'id', u.id, 'email', u.email, 'name', u.name, 'isAdmin', u.is_admin,
  'teams', coalesce((SELECT json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name', t.name, 'role', m.role)
                                     ORDER BY t.slug)
                       FROM membership m JOIN team t ON t.id = m.team_id WHERE m.user_id = u.id), '[]'::json))`;

type SessionRow = {
  id: string;
  dead: boolean;
  expires_ms: number;
  absolute_ms: number | null;
  user: AuthUser;
};

// One statement per lookup, whatever happens: read the row, delete it when it is past either end, and
// slide the idle expiry when it is due (data-modifying CTEs run whether or not the SELECT reads them).
const FIND_SESSION = `
WITH s AS (
  SELECT id, user_id, expires, absolute_expires_at,
         (expires <= ${utcParam(2)} OR coalesce(absolute_expires_at <= ${utcParam(2)}, false)) AS dead
    FROM session WHERE session_token = $1
),
gone AS (DELETE FROM session WHERE id IN (SELECT id FROM s WHERE dead) RETURNING id),
slid AS (
  UPDATE session
     SET expires = least(${utcParam(2)} + make_interval(secs => $3), coalesce(absolute_expires_at, 'infinity'))
   WHERE $5 AND id IN (SELECT id FROM s WHERE NOT dead
                         AND expires - make_interval(secs => $3) + make_interval(secs => $4) <= ${utcParam(2)})
  RETURNING id, expires
)
SELECT s.id, s.dead,
       ${epochMs("coalesce((SELECT expires FROM slid), s.expires)")} AS expires_ms,
       ${epochMs("s.absolute_expires_at")} AS absolute_ms,
       ${USER_JSON} AS user
  FROM s JOIN "user" u ON u.id = s.user_id`;

export type FindSessionOptions = {
  /**
   * Whether this request counts as activity (slides the idle expiry). False for background checks such
   * as the live stream's periodic re-check: an idle tab must not keep its session alive.
   */
  touch?: boolean;
  /** The current instant (tests). */
  now?: number;
};

/**
 * The live session for a cookie value, or null: ONE SQL statement (lookup, expiry, idle slide). The
 * cookie is only a lookup key; the row decides.
 */
export async function findActiveSession(
  sessionToken: string | null | undefined,
  { touch = true, now = Date.now() }: FindSessionOptions = {},
): Promise<ActiveSession | null> {
  if (!sessionToken || sessionToken.length > 200) return null;
  const { rows } = await pool.query<SessionRow>(FIND_SESSION, [
    sha256(sessionToken),
    now,
    authSettings.sessionIdleSeconds(),
    authSettings.sessionUpdateSeconds(),
    touch,
  ]);
  const row = rows[0];
  if (!row || row.dead) return null;
  return {
    id: row.id,
    user: row.user,
    expires: new Date(row.expires_ms),
    absoluteExpiresAt: row.absolute_ms === null ? null : new Date(row.absolute_ms),
  };
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
