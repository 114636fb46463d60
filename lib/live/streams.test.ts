/**
 * Live streams through the real /api/live route and a real Postgres: caps per user (429) and per
 * instance (503) with Retry-After while other users' streams still open; one credential re-check
 * statement for all streams, closing exactly the streams whose session or token is gone; the re-check
 * and the stream itself never slide a session's idle expiry; and one shared timer however many streams.
 */
import { afterEach, describe, expect, it } from "vitest";
import { GET as live } from "@/app/api/live/route";
import { createTestSession, createTestToken, createTestUser } from "@/lib/auth/testing";
import { prisma } from "@/lib/db";
import { heartbeatAll, liveStreamStats, recheckStreams, validCredentials } from "./streams";

const decoder = new TextDecoder();
const open: { abort: AbortController; reader: ReadableStreamDefaultReader<Uint8Array> }[] = [];

afterEach(async () => {
  for (const stream of open.splice(0)) {
    stream.abort.abort();
    await stream.reader.cancel().catch(() => undefined);
  }
  delete process.env.STEPWISE_LIVE_MAX_PER_USER;
  delete process.env.STEPWISE_LIVE_MAX_STREAMS;
  await expect.poll(() => liveStreamStats().streams).toBe(0);
});

async function connect(headers: Record<string, string>) {
  const abort = new AbortController();
  const response = await live(
    new Request(`http://localhost/api/live?topics=run:streams${Math.random().toString(36).slice(2, 8)}`, {
      headers,
      signal: abort.signal,
    }),
  );
  if (response.status !== 200 || !response.body) return { response, text: async () => "" };
  const reader = response.body.getReader();
  open.push({ abort, reader });
  let buffered = "";
  return {
    response,
    /** Everything the stream has sent once `until` appears in it. */
    async text(until?: string) {
      while (until !== undefined && !buffered.includes(until)) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value);
      }
      return buffered;
    },
  };
}

describe("live stream caps", () => {
  it("refuses one user's streams past the per-user cap with 429 while another user's still open", async () => {
    process.env.STEPWISE_LIVE_MAX_PER_USER = "3";
    const flooder = await createTestUser();
    const other = await createTestUser();
    const session = await createTestSession({ userId: flooder.user.id });
    const token = await createTestToken({ userId: other.user.id });
    const attempts = await Promise.all(Array.from({ length: 12 }, () => connect({ cookie: session.cookie })));
    const statuses = attempts.map((a) => a.response.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    const refused = attempts.find((a) => a.response.status === 429);
    expect(Number(refused?.response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused?.response.json()).toMatchObject({ error: { code: "too_many_requests" } });

    const others = await connect({ authorization: `Bearer ${token.token}` });
    expect(others.response.status).toBe(200);
    expect(await others.text("event: ready")).toContain("event: ready");
  });

  it("refuses streams past the instance cap with 503", async () => {
    process.env.STEPWISE_LIVE_MAX_STREAMS = "2";
    const users = await Promise.all([createTestUser(), createTestUser(), createTestUser()]);
    const sessions = await Promise.all(users.map(({ user }) => createTestSession({ userId: user.id })));
    const first = await connect({ cookie: sessions[0]?.cookie ?? "" });
    const second = await connect({ cookie: sessions[1]?.cookie ?? "" });
    const third = await connect({ cookie: sessions[2]?.cookie ?? "" });
    expect([first.response.status, second.response.status, third.response.status]).toEqual([200, 200, 503]);
    expect(third.response.headers.get("retry-after")).toBe("30");
  });
});

describe("credential re-check", () => {
  it("checks all streams in one statement and closes exactly the ones whose credential is gone", async () => {
    const a = await createTestUser();
    const b = await createTestUser();
    const keep = await createTestSession({ userId: a.user.id });
    const revoked = await createTestSession({ userId: a.user.id });
    const expired = await createTestSession({ userId: b.user.id });
    const token = await createTestToken({ userId: b.user.id });
    const revokedToken = await createTestToken({ userId: b.user.id });
    const streams = {
      keep: await Promise.all([1, 2, 3].map(() => connect({ cookie: keep.cookie }))),
      revoked: await Promise.all([1, 2].map(() => connect({ cookie: revoked.cookie }))),
      expired: await connect({ cookie: expired.cookie }),
      token: await connect({ authorization: `Bearer ${token.token}` }),
      revokedToken: await connect({ authorization: `Bearer ${revokedToken.token}` }),
    };
    for (const s of [...streams.keep, ...streams.revoked, streams.expired, streams.token, streams.revokedToken]) {
      expect(s.response.status).toBe(200);
      await s.text("event: ready");
    }
    await prisma.session.delete({ where: { id: revoked.session.id } });
    await prisma.session.update({ where: { id: expired.session.id }, data: { expires: new Date(Date.now() - 1) } });
    await prisma.apiToken.update({ where: { id: revokedToken.id }, data: { revokedAt: new Date() } });

    const checksBefore = liveStreamStats().checks;
    expect(await recheckStreams()).toBe(4);
    expect(liveStreamStats().checks - checksBefore).toBe(1);
    for (const s of [...streams.revoked, streams.expired, streams.revokedToken]) {
      expect(await s.text("event: unauthorized")).toContain("event: unauthorized");
    }
    expect(liveStreamStats().streams).toBe(4);
    heartbeatAll();
    for (const s of [...streams.keep, streams.token]) expect(await s.text(": heartbeat")).toContain(": heartbeat");
  });

  it("reads only: an idle tab's stream and its re-checks never extend the session", async () => {
    const { user } = await createTestUser();
    // Idle expiry due for a slide (pushed an hour ago): any request that counts as activity would move it.
    const session = await createTestSession({ userId: user.id, idleSeconds: 11 * 3600 });
    const before = (await prisma.session.findUniqueOrThrow({ where: { id: session.session.id } })).expires;
    const stream = await connect({ cookie: session.cookie });
    expect(stream.response.status).toBe(200);
    await stream.text("event: ready");
    for (let i = 0; i < 5; i++) await recheckStreams();
    const after = (await prisma.session.findUniqueOrThrow({ where: { id: session.session.id } })).expires;
    expect(after.getTime()).toBe(before.getTime());
  });

  it("validCredentials is one statement for any number of credentials, and none for none", async () => {
    const { user } = await createTestUser();
    const sessions = await Promise.all([1, 2, 3, 4].map(() => createTestSession({ userId: user.id })));
    const checks = liveStreamStats().checks;
    const valid = await validCredentials(
      [...sessions, ...sessions].map((s) => ({ kind: "session" as const, id: s.session.id })),
      Date.now(),
    );
    expect(valid.size).toBe(4);
    expect(liveStreamStats().checks - checks).toBe(1);
    expect((await validCredentials([], Date.now())).size).toBe(0);
    expect(liveStreamStats().checks - checks).toBe(1);
  });

  it("runs one timer for the instance however many streams are open, and none when they are closed", async () => {
    const { user } = await createTestUser();
    const session = await createTestSession({ userId: user.id });
    await Promise.all(Array.from({ length: 10 }, () => connect({ cookie: session.cookie })));
    expect(liveStreamStats()).toMatchObject({ streams: 10, users: 1, timers: 1 });
    for (const stream of open.splice(0)) {
      stream.abort.abort();
      await stream.reader.cancel().catch(() => undefined);
    }
    await expect.poll(() => liveStreamStats()).toMatchObject({ streams: 0, timers: 0 });
  });
});
