/**
 * The principal lookup against a real Postgres: one SQL statement per request whatever the credential
 * (session with its idle slide, token with its lastUsedAt refresh), the idle expiry moved only by
 * requests that are activity (a live stream's re-check is not), and every dead credential refused.
 * Instants are fixed: `now` is passed in, rows are written with explicit times.
 */
import { describe, expect, it } from "vitest";
import { prisma, queryCount } from "@/lib/db";
import { authenticate, authenticateRequest, credentialsFromHeaders } from "./authenticate";
import { cookieNames } from "./config";
import { findActiveSession } from "./session";
import { createTestSession, createTestToken, createTestUser, uniqueName } from "./testing";

const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);
const HOUR = 3_600_000;

/** A session whose idle expiry and absolute end are fixed instants around T0. */
async function sessionAt({ idleEndsAt, absoluteEndsAt }: { idleEndsAt: number; absoluteEndsAt: number }) {
  const slug = uniqueName("team");
  const { user } = await createTestUser({ teams: [{ slug }, { slug: uniqueName("rev"), role: "REVIEWER" }] });
  const created = await createTestSession({ userId: user.id });
  await prisma.session.update({
    where: { id: created.session.id },
    data: { expires: new Date(idleEndsAt), absoluteExpiresAt: new Date(absoluteEndsAt) },
  });
  return { ...created, user, slug };
}

async function statements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const before = queryCount();
  const result = await fn();
  return { result, statements: queryCount() - before };
}

describe("session lookup", () => {
  it("is one SQL statement and returns the user with their teams", async () => {
    const s = await sessionAt({ idleEndsAt: T0 + 11 * HOUR, absoluteEndsAt: T0 + 100 * HOUR });
    const { result, statements: n } = await statements(() => findActiveSession(s.token, { now: T0 }));
    expect(n).toBe(1);
    expect(result?.user).toMatchObject({ id: s.user.id, email: s.user.email, isAdmin: false });
    expect(result?.user.teams.map((t) => t.role).sort()).toEqual(["MEMBER", "REVIEWER"]);
    expect(result?.user.teams.find((t) => t.role === "MEMBER")?.slug).toBe(s.slug);
  });

  it("slides the idle expiry when due, in the same single statement, never past the absolute end", async () => {
    // Idle 12 h, update period 15 min: an expiry 11 h ahead was last pushed an hour ago → due.
    const s = await sessionAt({ idleEndsAt: T0 + 11 * HOUR, absoluteEndsAt: T0 + 20 * HOUR });
    const { result, statements: n } = await statements(() => findActiveSession(s.token, { now: T0 }));
    expect(n).toBe(1);
    expect(result?.expires.getTime()).toBe(T0 + 12 * HOUR);
    const row = await prisma.session.findUniqueOrThrow({ where: { id: s.session.id } });
    expect(row.expires.getTime()).toBe(T0 + 12 * HOUR);

    const capped = await sessionAt({ idleEndsAt: T0 + 1 * HOUR, absoluteEndsAt: T0 + 2 * HOUR });
    expect((await findActiveSession(capped.token, { now: T0 }))?.expires.getTime()).toBe(T0 + 2 * HOUR);
  });

  it("does not write when the expiry was pushed within the update period", async () => {
    const s = await sessionAt({ idleEndsAt: T0 + 12 * HOUR - 60_000, absoluteEndsAt: T0 + 100 * HOUR });
    await findActiveSession(s.token, { now: T0 });
    const row = await prisma.session.findUniqueOrThrow({ where: { id: s.session.id } });
    expect(row.expires.getTime()).toBe(T0 + 12 * HOUR - 60_000);
  });

  it("a background re-check (touch: false) never extends the idle lifetime", async () => {
    const s = await sessionAt({ idleEndsAt: T0 + 1 * HOUR, absoluteEndsAt: T0 + 100 * HOUR });
    // An idle tab re-checked every 20 s for an hour: the session still ends when it was due to.
    for (let t = T0; t < T0 + HOUR; t += 15 * 60_000) {
      expect(await findActiveSession(s.token, { now: t, touch: false })).not.toBeNull();
    }
    expect((await prisma.session.findUniqueOrThrow({ where: { id: s.session.id } })).expires.getTime()).toBe(T0 + HOUR);
    expect(await findActiveSession(s.token, { now: T0 + HOUR, touch: false })).toBeNull();
  });

  it("refuses and deletes idle-expired and absolutely-expired sessions", async () => {
    const idle = await sessionAt({ idleEndsAt: T0 - 1, absoluteEndsAt: T0 + HOUR });
    const absolute = await sessionAt({ idleEndsAt: T0 + HOUR, absoluteEndsAt: T0 });
    for (const s of [idle, absolute]) {
      const { result, statements: n } = await statements(() => findActiveSession(s.token, { now: T0 }));
      expect(result).toBeNull();
      expect(n).toBe(1);
      expect(await prisma.session.count({ where: { id: s.session.id } })).toBe(0);
    }
  });

  it("answers null without a query for absent or oversized cookies, and null for unknown ones", async () => {
    const { statements: none } = await statements(async () => {
      expect(await findActiveSession(undefined)).toBeNull();
      expect(await findActiveSession("x".repeat(201))).toBeNull();
    });
    expect(none).toBe(0);
    expect(await findActiveSession("forged")).toBeNull();
  });
});

describe("token lookup", () => {
  it("is one SQL statement, refreshing lastUsedAt at most once a minute", async () => {
    const { user } = await createTestUser();
    const { token, id } = await createTestToken({ userId: user.id, canWrite: true });
    const first = await statements(() => authenticate({ sessionToken: null, bearer: token }, { now: T0 }));
    expect(first.statements).toBe(1);
    expect(first.result).toMatchObject({ ok: true, principal: { via: "token", credentialId: id, canWrite: true } });
    expect((await prisma.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt?.getTime()).toBe(T0);
    await authenticate({ sessionToken: null, bearer: token }, { now: T0 + 30_000 });
    expect((await prisma.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt?.getTime()).toBe(T0);
    await authenticate({ sessionToken: null, bearer: token }, { now: T0 + 61_000 });
    expect((await prisma.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt?.getTime()).toBe(T0 + 61_000);
  });

  it("refuses revoked and expired tokens with their reason", async () => {
    const { user } = await createTestUser();
    const revoked = await createTestToken({ userId: user.id });
    await prisma.apiToken.update({ where: { id: revoked.id }, data: { revokedAt: new Date(T0 - HOUR) } });
    const expired = await createTestToken({ userId: user.id });
    await prisma.apiToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(T0) } });
    const r = await authenticate({ sessionToken: null, bearer: revoked.token }, { now: T0 });
    const e = await authenticate({ sessionToken: null, bearer: expired.token }, { now: T0 });
    expect(r).toMatchObject({ ok: false, audit: { reason: "token revoked", tokenId: revoked.id, userId: user.id } });
    expect(e).toMatchObject({ ok: false, audit: { reason: "token expired", tokenId: expired.id } });
    expect(
      (await prisma.apiToken.findUniqueOrThrow({ where: { id: expired.id } })).lastUsedAt,
      "a refused token is not marked used",
    ).toBeNull();
  });
});

describe("authenticateRequest", () => {
  it("resolves a Request once, however often it is asked", async () => {
    const { user } = await createTestUser();
    const { cookie } = await createTestSession({ userId: user.id });
    const request = new Request("http://localhost/api/v1/me", { headers: { cookie } });
    const { result, statements: n } = await statements(async () => {
      await authenticateRequest(request);
      return authenticateRequest(request);
    });
    expect(n).toBe(1);
    expect(result).toMatchObject({ ok: true, principal: { via: "session", user: { id: user.id } } });
  });

  it("prefers the bearer token over the cookie, and reads both from headers", () => {
    const headers = new Headers({ cookie: `${cookieNames().sessionToken}=abc`, authorization: "Bearer sw_x" });
    expect(credentialsFromHeaders(headers)).toEqual({ sessionToken: "abc", bearer: "sw_x" });
    expect(credentialsFromHeaders(new Headers({ authorization: "Basic eA==" }))).toEqual({
      sessionToken: null,
      bearer: "",
    });
  });
});
