/**
 * Test factories (Vitest, real Postgres): users with teams, API tokens and
 * browser sessions, with random names so test files never collide.
 *
 *   const { user } = await createTestUser({ teams: [{ slug: "fit-and-size" }] });
 *   const token = await createTestToken({ userId: user.id, canWrite: true });
 *   await GET(new Request(url, { headers: { authorization: `Bearer ${token}` } }));
 *   const { cookie } = await createTestSession({ userId: user.id });  // header value for `cookie`
 */
import "server-only";
import { randomBytes } from "node:crypto";
import { prisma } from "@/lib/db";
import type { TeamRole } from "@/lib/generated/prisma/client";
import { cookieNames } from "./config";
import { randomToken, sha256 } from "./hash";
import type { Principal } from "./principal";
import { findActiveSession, sessionPrincipal } from "./session";
import { createApiToken } from "./tokens";

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

export async function createTestTeam({ slug = uniqueName("team"), name }: { slug?: string; name?: string } = {}) {
  return prisma.team.upsert({ where: { slug }, create: { slug, name: name ?? slug }, update: {} });
}

export async function createTestUser({
  email = `${uniqueName("user")}@test.local`,
  isAdmin = false,
  teams = [],
}: {
  email?: string;
  isAdmin?: boolean;
  teams?: { slug: string; role?: TeamRole }[];
} = {}) {
  const user = await prisma.user.create({ data: { email, name: email.split("@")[0], isAdmin } });
  const memberships = [];
  for (const t of teams) {
    const team = await createTestTeam({ slug: t.slug });
    await prisma.membership.create({ data: { userId: user.id, teamId: team.id, role: t.role ?? "MEMBER" } });
    memberships.push(team);
  }
  return { user, teams: memberships };
}

/** Returns the secret token (`sw_…`) to send as `Authorization: Bearer …`. */
export async function createTestToken({
  userId,
  canWrite = false,
  expiresInDays = null,
}: {
  userId: string;
  canWrite?: boolean;
  expiresInDays?: number | null;
}): Promise<{ token: string; id: string }> {
  const created = await createApiToken({
    userId,
    input: { name: uniqueName("test-token"), canWrite, expiresInDays },
    actor: null,
    via: "test",
  });
  return { token: created.token, id: created.id };
}

/** A browser session row as next-auth's adapter would create it; `cookie` is the Cookie header value. */
export async function createTestSession({
  userId,
  idleSeconds = 3600,
  absoluteSeconds = 86_400,
}: {
  userId: string;
  idleSeconds?: number;
  absoluteSeconds?: number;
}) {
  const token = randomToken(32);
  const now = Date.now();
  const session = await prisma.session.create({
    data: {
      sessionToken: sha256(token),
      userId,
      expires: new Date(now + idleSeconds * 1000),
      absoluteExpiresAt: new Date(now + absoluteSeconds * 1000),
    },
  });
  return { session, token, cookie: `${cookieNames().sessionToken}=${token}` };
}

/** A signed-in user as the API sees them: the principal of a fresh browser session, and its cookie header. */
export async function createTestPrincipal(userId: string): Promise<{ principal: Principal; cookie: string }> {
  const { token, cookie } = await createTestSession({ userId });
  const session = await findActiveSession(token);
  if (!session) throw new Error("no session");
  return { principal: sessionPrincipal(session), cookie };
}
