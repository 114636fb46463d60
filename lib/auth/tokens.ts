/**
 * API tokens for notebooks and scripts: `sw_<43 url-safe chars>`, shown once,
 * stored as SHA-256, read-only unless created with writes allowed, optionally
 * expiring, revocable. Sent as `Authorization: Bearer sw_…`.
 */
import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/log";
import { prisma } from "@/lib/db";
import { badRequest, notFound } from "@/lib/errors";
import { randomToken, sha256 } from "./hash";
import { type Principal, toAuthUser, userInclude } from "./principal";

export const TOKEN_PREFIX = "sw_";
const DISPLAY_PREFIX_LENGTH = 10;
/** lastUsedAt is a hint, not a log: written at most once a minute per token. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const createTokenInput = z.object({
  name: z.string().trim().min(1, "Give the token a name.").max(100),
  canWrite: z.boolean().default(false),
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(null),
});
export type CreateTokenInput = z.input<typeof createTokenInput>;

export type CreatedToken = { id: string; token: string; prefix: string; expiresAt: Date | null; canWrite: boolean };

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
  const { name, canWrite, expiresInDays } = parsed.data;
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  const prefix = token.slice(0, DISPLAY_PREFIX_LENGTH);
  const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
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
    details: { name, prefix, canWrite, expiresAt: expiresAt?.toISOString() ?? null, ownerId: userId },
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

/** Resolves a bearer token to a principal, or says why it is refused. */
export async function authenticateApiToken(token: string): Promise<TokenCheck> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length < 20 || token.length > 200) {
    return { ok: false, reason: "malformed" };
  }
  const row = await prisma.apiToken.findUnique({
    where: { tokenHash: sha256(token) },
    include: { user: { include: userInclude } },
  });
  if (!row) return { ok: false, reason: "unknown" };
  if (row.revokedAt) return { ok: false, reason: "revoked", tokenId: row.id, userId: row.userId };
  const now = Date.now();
  if (row.expiresAt && row.expiresAt.getTime() <= now) {
    return { ok: false, reason: "expired", tokenId: row.id, userId: row.userId };
  }
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await prisma.apiToken.updateMany({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  }
  return {
    ok: true,
    principal: { user: toAuthUser(row.user), via: "token", credentialId: row.id, canWrite: row.canWrite },
  };
}

/** The token from `Authorization: Bearer …`, or null when the header is absent. */
export function bearerToken(headers: Headers): string | null {
  const header = headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? "";
}
