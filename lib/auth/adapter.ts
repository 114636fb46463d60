/**
 * next-auth v4 database adapter against our Prisma 7 client. The official
 * @next-auth/prisma-adapter targets Prisma ≤ 5 style clients; this is the dozen
 * functions next-auth needs, plus what Stepwise adds:
 *  - session tokens are stored as SHA-256 hashes (a leaked table yields no cookies);
 *  - each session gets an absolute end (SESSION_ABSOLUTE_SECONDS) and the IP /
 *    user agent of the login request;
 *  - the session cookie lives until that absolute end, while the idle expiry
 *    slides in the database only (lib/auth/session.ts), so activity never needs
 *    a cookie rewrite and revocation is a row delete.
 * Accounts keep only the columns we have: IdPs add vendor fields to token sets.
 */
import "server-only";
import type { Adapter, AdapterAccount, AdapterSession, AdapterUser } from "next-auth/adapters";
import { currentRequestContext } from "@/lib/audit/request-context";
import { prisma } from "@/lib/db";
import type { User } from "@/lib/generated/prisma/client";
import { authSettings } from "./config";
import { sha256 } from "./hash";

function toAdapterUser(user: User): AdapterUser {
  return {
    id: user.id,
    email: user.email ?? "",
    emailVerified: user.emailVerified,
    name: user.name,
    image: user.image,
  };
}

function toAdapterSession(
  rawToken: string,
  session: { userId: string; expires: Date; absoluteExpiresAt: Date | null },
): AdapterSession {
  return { sessionToken: rawToken, userId: session.userId, expires: session.absoluteExpiresAt ?? session.expires };
}

const str = (value: unknown): string | null => (typeof value === "string" ? value : null);

export function prismaAdapter(): Adapter {
  return {
    async createUser(user: Omit<AdapterUser, "id">) {
      const created = await prisma.user.create({
        data: {
          name: user.name ?? null,
          email: user.email ? user.email.toLowerCase() : null,
          emailVerified: user.emailVerified ?? null,
          image: user.image ?? null,
        },
      });
      return toAdapterUser(created);
    },
    async getUser(id) {
      const user = await prisma.user.findUnique({ where: { id } });
      return user ? toAdapterUser(user) : null;
    },
    async getUserByEmail(email) {
      const user = await prisma.user.findUnique({ where: { email: email.toLowerCase() } });
      return user ? toAdapterUser(user) : null;
    },
    async getUserByAccount({ provider, providerAccountId }) {
      const account = await prisma.account.findUnique({
        where: { provider_providerAccountId: { provider, providerAccountId } },
        include: { user: true },
      });
      return account ? toAdapterUser(account.user) : null;
    },
    async updateUser({ id, name, email, emailVerified, image }) {
      const user = await prisma.user.update({
        where: { id },
        data: {
          ...(name !== undefined ? { name } : {}),
          ...(email !== undefined ? { email: email.toLowerCase() } : {}),
          ...(emailVerified !== undefined ? { emailVerified } : {}),
          ...(image !== undefined ? { image } : {}),
        },
      });
      return toAdapterUser(user);
    },
    async deleteUser(userId) {
      await prisma.user.delete({ where: { id: userId } });
    },
    async linkAccount(account: AdapterAccount) {
      await prisma.account.create({
        data: {
          userId: account.userId,
          type: account.type,
          provider: account.provider,
          providerAccountId: account.providerAccountId,
          refresh_token: str(account.refresh_token),
          access_token: str(account.access_token),
          expires_at: typeof account.expires_at === "number" ? account.expires_at : null,
          token_type: str(account.token_type),
          scope: str(account.scope),
          id_token: str(account.id_token),
          session_state: str(account.session_state),
        },
      });
    },
    async unlinkAccount({ provider, providerAccountId }: Pick<AdapterAccount, "provider" | "providerAccountId">) {
      await prisma.account.delete({ where: { provider_providerAccountId: { provider, providerAccountId } } });
    },
    async createSession({ sessionToken, userId }) {
      const now = Date.now();
      const absoluteExpiresAt = new Date(now + authSettings.sessionAbsoluteSeconds() * 1000);
      const idle = new Date(Math.min(now + authSettings.sessionIdleSeconds() * 1000, absoluteExpiresAt.getTime()));
      const context = currentRequestContext();
      const session = await prisma.session.create({
        data: {
          sessionToken: sha256(sessionToken),
          userId,
          expires: idle,
          absoluteExpiresAt,
          ip: context.ip,
          userAgent: context.userAgent,
        },
      });
      return toAdapterSession(sessionToken, session);
    },
    async getSessionAndUser(sessionToken) {
      if (currentRequestContext().authAction === "callback") {
        // Rotation: a login never continues a session that existed before it (session
        // fixation); the old row goes and next-auth creates a fresh one.
        await prisma.session.deleteMany({ where: { sessionToken: sha256(sessionToken) } });
        return null;
      }
      const session = await prisma.session.findUnique({
        where: { sessionToken: sha256(sessionToken) },
        include: { user: true },
      });
      if (!session) return null;
      const now = new Date();
      if (session.expires <= now || (session.absoluteExpiresAt && session.absoluteExpiresAt <= now)) {
        await prisma.session.deleteMany({ where: { id: session.id } });
        return null;
      }
      return { session: toAdapterSession(sessionToken, session), user: toAdapterUser(session.user) };
    },
    async updateSession({ sessionToken }) {
      // Idle expiry slides in lib/auth/session.ts; the cookie keeps the absolute end.
      const session = await prisma.session.findUnique({ where: { sessionToken: sha256(sessionToken) } });
      return session ? toAdapterSession(sessionToken, session) : null;
    },
    async deleteSession(sessionToken) {
      await prisma.session.deleteMany({ where: { sessionToken: sha256(sessionToken) } });
    },
    async createVerificationToken(token) {
      return prisma.verificationToken.create({ data: token });
    },
    async useVerificationToken({ identifier, token }) {
      try {
        return await prisma.verificationToken.delete({ where: { identifier_token: { identifier, token } } });
      } catch {
        return null;
      }
    },
  };
}
