/**
 * Resource limits through the real withApi and a real Postgres: request bodies capped (413 for a
 * declared or a streamed oversize body), NUL bytes refused as bad input, expensive reads capped per
 * user (429 + Retry-After, other users unaffected), and a statement cancelled by statement_timeout
 * answered as 503 + Retry-After (never 500), whether it came through pg or through Prisma.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PATCH as patchTeam } from "@/app/api/v1/teams/[slug]/route";
import { createTestSession, createTestToken, createTestUser, uniqueName } from "@/lib/auth/testing";
import { pool, prisma, statementTimeoutMs } from "@/lib/db";
import { DEFAULT_MAX_BODY_BYTES, readBodyText } from "./body";
import { withApi } from "./handler";
import { concurrencyLimit } from "./limits";
import { databaseOverload } from "./overload";

const BASE = "http://localhost:3000";

async function writer() {
  const slug = uniqueName("team");
  const { user } = await createTestUser({ teams: [{ slug }] });
  const { token } = await createTestToken({ userId: user.id, canWrite: true });
  return { slug, token, user };
}

const teamParams = (slug: string) => ({ params: Promise.resolve({ slug }) });

describe("request bodies", () => {
  it("refuses a declared Content-Length over 1 MiB with 413 before reading it", async () => {
    const { slug, token } = await writer();
    const body = JSON.stringify({ name: "x".repeat(DEFAULT_MAX_BODY_BYTES) });
    const response = await patchTeam(
      new Request(`${BASE}/api/v1/teams/${slug}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      }),
      teamParams(slug),
    );
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe("payload_too_large");
  });

  it("cuts off a streamed body without Content-Length once it passes the cap", async () => {
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(32);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.byteLength;
        controller.enqueue(chunk);
        // An endless body: only the cap ends it.
      },
    });
    const request = new Request(`${BASE}/x`, { method: "POST", body: stream, duplex: "half" } as RequestInit);
    await expect(readBodyText(request, 256 * 1024)).rejects.toMatchObject({ code: "payload_too_large", status: 413 });
    expect(sent).toBeLessThanOrEqual(256 * 1024 + 2 * chunk.byteLength);
  });

  it("accepts a body at the cap", async () => {
    const text = "a".repeat(1000);
    expect(await readBodyText(new Request(`${BASE}/x`, { method: "POST", body: text }), 1000)).toBe(text);
  });

  it("answers 400, not 500, for a NUL byte in a path parameter, the query or the JSON body", async () => {
    const { slug, token } = await writer();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const inBody = await patchTeam(
      new Request(`${BASE}/api/v1/teams/${slug}`, { method: "PATCH", headers, body: '{"name":"a\\u0000b"}' }),
      teamParams(slug),
    );
    expect(inBody.status).toBe(400);
    expect((await inBody.json()).error.message).toMatch(/NUL/);
    const inPath = await patchTeam(
      new Request(`${BASE}/api/v1/teams/x`, { method: "PATCH", headers, body: '{"name":"b"}' }),
      teamParams("a\u0000b"),
    );
    expect(inPath.status).toBe(400);
    const read = withApi({ scope: "read" }, async () => ({ ok: true }));
    const inQuery = await read(
      new Request(`${BASE}/api/v1/x?q=%00`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(inQuery.status).toBe(400);
  });
});

describe("per-user concurrency caps", () => {
  it("refuses the request past the cap with 429 and Retry-After, lets other users through, frees on completion", async () => {
    const limit = concurrencyLimit("metric-series");
    const gates: (() => void)[] = [];
    const started: string[] = [];
    const handler = withApi({ scope: "read", limit: "metric-series" }, async ({ principal }) => {
      started.push(principal.user.id);
      await new Promise<void>((resolve) => gates.push(resolve));
      return { ok: true };
    });
    const a = await createTestUser();
    const b = await createTestUser();
    const aSession = await createTestSession({ userId: a.user.id });
    const bToken = await createTestToken({ userId: b.user.id });
    const asA = () => handler(new Request(`${BASE}/s`, { headers: { cookie: aSession.cookie } }));
    const asB = () => handler(new Request(`${BASE}/s`, { headers: { authorization: `Bearer ${bToken.token}` } }));

    const running = Array.from({ length: limit }, () => asA());
    await expect.poll(() => started.length).toBe(limit);
    const refused = await asA();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).error.code).toBe("too_many_requests");

    const other = asB();
    await expect.poll(() => started.length).toBe(limit + 1);
    for (const release of gates.splice(0)) release();
    expect((await other).status).toBe(200);
    for (const response of await Promise.all(running)) expect(response.status).toBe(200);

    const again = asA();
    await expect.poll(() => gates.length).toBe(1);
    gates.splice(0)[0]?.();
    expect((await again).status).toBe(200);
  });
});

describe("statement_timeout", () => {
  it("is set on the request pool (15 s by default) and none for the sync process", async () => {
    const { rows } = await pool.query<{ statement_timeout: string }>("SHOW statement_timeout");
    expect(rows[0]?.statement_timeout).toBe(process.env.DATABASE_STATEMENT_TIMEOUT_MS ? expect.any(String) : "15s");
    expect(statementTimeoutMs({})).toBe(15_000);
    expect(statementTimeoutMs({ DATABASE_STATEMENT_TIMEOUT_MS: "250" })).toBe(250);
    expect(statementTimeoutMs({ STEPWISE_DB_ROLE: "sync" })).toBe(0);
    expect(statementTimeoutMs({ STEPWISE_DB_ROLE: "sync", SYNC_STATEMENT_TIMEOUT_MS: "60000" })).toBe(60_000);
    expect(() => statementTimeoutMs({ DATABASE_STATEMENT_TIMEOUT_MS: "soon" })).toThrow(/milliseconds/);
  });

  it("a statement that runs past it is cancelled and answered 503 with Retry-After, through pg and through Prisma", async () => {
    const short = new pg.Pool({
      connectionString: process.env.DATABASE_URL,
      max: 1,
      options: `-c statement_timeout=${statementTimeoutMs({ DATABASE_STATEMENT_TIMEOUT_MS: "50" })}`,
    });
    try {
      const handler = withApi({ scope: "read" }, async () => (await short.query("SELECT pg_sleep(5)")).rows);
      const { user } = await createTestUser();
      const { token } = await createTestToken({ userId: user.id });
      const response = await handler(new Request(`${BASE}/slow`, { headers: { authorization: `Bearer ${token}` } }));
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect((await response.json()).error.code).toBe("unavailable");
    } finally {
      await short.end();
    }
    const viaPrisma = await prisma
      .$transaction(async (tx) => {
        await tx.$executeRawUnsafe("SET LOCAL statement_timeout = 50");
        await tx.$queryRawUnsafe("SELECT pg_sleep(5)");
      })
      .catch((error: unknown) => error);
    expect(databaseOverload(viaPrisma)).toMatchObject({ code: "unavailable", status: 503 });
    expect(databaseOverload(new Error("boom"))).toBeNull();
  });
});
