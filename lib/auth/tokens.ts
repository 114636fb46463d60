/**
 * API tokens for notebooks and scripts: `sw_<43 url-safe chars>`, shown once,
 * stored as SHA-256, read-only unless created with writes allowed, always
 * expiring (API_TOKEN_DEFAULT_DAYS, at most API_TOKEN_MAX_DAYS), revocable.
 * Sent as `Authorization: Bearer sw_…`.
 */
import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/log";
import { pool, prisma } from "@/lib/db";
import { badRequest, notFound } from "@/lib/errors";
import { authSettings } from "./config";
import { randomToken, sha256 } from "./hash";
import type { AuthUser, Principal } from "./principal";
import { USER_JSON, utcParam } from "./session";

export const TOKEN_PREFIX = "sw_";
const DISPLAY_PREFIX_LENGTH = 10;
/** lastUsedAt is a hint, not a log: written at most once a minute per token. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const createTokenInput = z.object({
  name: z.string().trim().min(1, "Give the token a name.").max(100),
  canWrite: z.boolean().default(false),
  /** Days until the token expires; null or absent: API_TOKEN_DEFAULT_DAYS. Never more than API_TOKEN_MAX_DAYS. */
  expiresInDays: z.number().int().min(1, "Expiry is at least 1 day.").nullable().default(null),
});
export type CreateTokenInput = z.input<typeof createTokenInput>;

export type CreatedToken = { id: string; token: string; prefix: string; expiresAt: Date; canWrite: boolean };

export async function createApiToken({
  userId,
  input,
  actor,
  via,
}: {
  userId: string;
  input: CreateTokenInput;
  actor: { id: string; email: string | null } | null;
  via: string;
}): Promise<CreatedToken> {
  const parsed = createTokenInput.safeParse(input);
  if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => i.message).join("; "));
  const { name, canWrite } = parsed.data;
  const maxDays = authSettings.tokenMaxDays();
  const expiresInDays = parsed.data.expiresInDays ?? authSettings.tokenDefaultDays();
  if (expiresInDays > maxDays) throw badRequest(`A token can live at most ${maxDays} days.`);
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  const prefix = token.slice(0, DISPLAY_PREFIX_LENGTH);
  const expiresAt = new Date(Date.now() + expiresInDays * 86_400_000);
  const row = await prisma.apiToken.create({
    data: { userId, name, prefix, tokenHash: sha256(token), canWrite, expiresAt },
  });
  await recordAudit({
    actor,
    via,
    action: "token.create",
    targetType: "api_token",
    targetId: row.id,
    outcome: "ok",
    details: { name, prefix, canWrite, expiresAt: expiresAt.toISOString(), ownerId: userId },
  });
  return { id: row.id, token, prefix, expiresAt, canWrite };
}

export async function listApiTokens({ userId }: { userId: string }) {
  return prisma.apiToken.findMany({
    where: { userId },
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
    select: {
      id: true,
      name: true,
      prefix: true,
      canWrite: true,
      expiresAt: true,
      lastUsedAt: true,
      revokedAt: true,
      createdAt: true,
    },
  });
}

/** Revokes one of the user's own tokens (admins may revoke anyone's). */
export async function revokeApiToken({ tokenId, principal }: { tokenId: string; principal: Principal }): Promise<void> {
  const token = await prisma.apiToken.findUnique({ where: { id: tokenId } });
  if (!token || (token.userId !== principal.user.id && !principal.user.isAdmin)) throw notFound("No such token.");
  if (!token.revokedAt) await prisma.apiToken.update({ where: { id: tokenId }, data: { revokedAt: new Date() } });
  await recordAudit({
    actor: principal.user,
    via: principal.via === "session" ? "session" : `token:${principal.credentialId}`,
    action: "token.revoke",
    targetType: "api_token",
    targetId: tokenId,
    outcome: "ok",
    details: { prefix: token.prefix, ownerId: token.userId, alreadyRevoked: Boolean(token.revokedAt) },
  });
}

export type TokenCheck =
  | { ok: true; principal: Principal }
  | { ok: false; reason: "malformed" | "unknown" | "revoked" | "expired"; tokenId?: string; userId?: string };

type TokenRow = {
  id: string;
  user_id: string;
  can_write: boolean;
  revoked: boolean;
  expired: boolean;
  user: AuthUser;
};

// One statement: the token with its user and teams, and lastUsedAt refreshed when it is stale.
const FIND_TOKEN = `
WITH t AS (
  SELECT id, user_id, can_write, revoked_at IS NOT NULL AS revoked,
         coalesce(expires_at <= ${utcParam(2)}, false) AS expired, last_used_at
    FROM api_token WHERE token_hash = $1
),
used AS (
  UPDATE api_token SET last_used_at = ${utcParam(2)}
   WHERE id IN (SELECT id FROM t WHERE NOT revoked AND NOT expired
                  AND (last_used_at IS NULL OR last_used_at <= ${utcParam(2)} - make_interval(secs => $3)))
  RETURNING id
)
SELECT t.id, t.user_id, t.can_write, t.revoked, t.expired, ${USER_JSON} AS user
  FROM t JOIN "user" u ON u.id = t.user_id`;

/** Resolves a bearer token to a principal, or says why it is refused: ONE SQL statement. */
export async function authenticateApiToken(
  token: string,
  { now = Date.now() }: { now?: number } = {},
): Promise<TokenCheck> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length < 20 || token.length > 200) {
    return { ok: false, reason: "malformed" };
  }
  const { rows } = await pool.query<TokenRow>(FIND_TOKEN, [sha256(token), now, LAST_USED_RESOLUTION_MS / 1000]);
  const row = rows[0];
  if (!row) return { ok: false, reason: "unknown" };
  if (row.revoked) return { ok: false, reason: "revoked", tokenId: row.id, userId: row.user_id };
  if (row.expired) return { ok: false, reason: "expired", tokenId: row.id, userId: row.user_id };
  return { ok: true, principal: { user: row.user, via: "token", credentialId: row.id, canWrite: row.can_write } };
}

/** The token from `Authorization: Bearer …`, or null when the header is absent. */
export function bearerToken(headers: Headers): string | null {
  const header = headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? "";
}
