/**
 * The API's access rules end to end through the real route handlers and a real
 * Postgres: 401 without or with dead credentials, 200 with a valid token or
 * session, 403 for read-only tokens and non-members on a team write — and the
 * audit row each of them leaves.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GET as getMe } from "@/app/api/v1/me/route";
import { GET as getOpenApi } from "@/app/api/v1/openapi.json/route";
import { GET as getTeam, PATCH as patchTeam } from "@/app/api/v1/teams/[slug]/route";
import { GET as unauthenticated } from "@/app/api/v1/unauthenticated/route";
import { createTestSession, createTestToken, createTestUser, uniqueName } from "@/lib/auth/testing";
import { prisma } from "@/lib/db";

const BASE = "http://localhost:3000";

/** Each request carries a unique user agent, so its audit row can be found among parallel tests'. */
function request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  const agent = `vitest-${randomUUID()}`;
  const req = new Request(`${BASE}${path}`, { ...init, headers: { "user-agent": agent, ...(init.headers ?? {}) } });
  return { req, agent };
}

const auditFor = (agent: string) => prisma.auditLog.findMany({ where: { userAgent: agent }, orderBy: { id: "asc" } });
const params = (slug: string) => ({ params: Promise.resolve({ slug }) });

describe("API authentication", () => {
  it("answers 401 JSON without credentials, and audits it", async () => {
    const { req, agent } = request("/api/v1/me");
    const res = await getMe(req);
    expect(res.status).toBe(401);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    const rows = await auditFor(agent);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: "api.unauthorized", outcome: "denied", via: "anonymous", actorId: null });
    expect(rows[0]?.details).toMatchObject({ reason: "no credentials", path: "/api/v1/me" });
  });

  it("the proxy's fallback route for credential-less API calls also answers 401 and audits", async () => {
    const { req, agent } = request("/api/v1/unauthenticated", { headers: { "x-stepwise-path": "/api/v1/runs" } });
    const res = await unauthenticated(req);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("unauthorized");
    const rows = await auditFor(agent);
    expect(rows[0]?.details).toMatchObject({ path: "/api/v1/runs", reason: "no credentials" });
  });

  it("answers 200 with a valid token and records its use", async () => {
    const { user } = await createTestUser({ teams: [{ slug: uniqueName("fit") }] });
    const { token, id } = await createTestToken({ userId: user.id });
    const { req } = request("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
    const res = await getMe(req);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ id: user.id, email: user.email, via: "token", canWrite: false });
    expect(body.teams).toHaveLength(1);
    const row = await prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.lastUsedAt).not.toBeNull();
    expect(row.tokenHash).not.toContain(token.slice(3));
    const created = await prisma.auditLog.findFirst({ where: { action: "token.create", targetId: id } });
    expect(created).toMatchObject({ outcome: "ok" });
  });

  it("answers 401 with a revoked token, and audits it against the token", async () => {
    const { user } = await createTestUser();
    const { token, id } = await createTestToken({ userId: user.id });
    await prisma.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    const { req, agent } = request("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
    const res = await getMe(req);
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/revoked/);
    const rows = await auditFor(agent);
    expect(rows[0]).toMatchObject({
      action: "api.unauthorized",
      outcome: "denied",
      via: `token:${id}`,
      actorId: user.id,
    });
    expect(rows[0]?.details).toMatchObject({ reason: "token revoked" });
  });

  it("answers 401 with an expired token", async () => {
    const { user } = await createTestUser();
    const { token, id } = await createTestToken({ userId: user.id, expiresInDays: 1 });
    await prisma.apiToken.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const { req, agent } = request("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
    const res = await getMe(req);
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/expired/);
    expect((await auditFor(agent))[0]?.details).toMatchObject({ reason: "token expired" });
  });

  it("answers 401 for unknown and malformed bearer tokens", async () => {
    for (const value of ["sw_thisTokenDoesNotExistAnywhere0000000000000", "not-a-token", ""]) {
      const { req } = request("/api/v1/me", { headers: { authorization: `Bearer ${value}` } });
      expect((await getMe(req)).status).toBe(401);
    }
  });

  it("accepts a live session cookie and refuses idle-expired, absolutely-expired and deleted sessions", async () => {
    const { user } = await createTestUser();
    const live = await createTestSession({ userId: user.id });
    const ok = await getMe(request("/api/v1/me", { headers: { cookie: live.cookie } }).req);
    expect(ok.status).toBe(200);
    expect((await ok.json()).via).toBe("session");

    const idle = await createTestSession({ userId: user.id });
    await prisma.session.update({ where: { id: idle.session.id }, data: { expires: new Date(Date.now() - 1000) } });
    expect((await getMe(request("/api/v1/me", { headers: { cookie: idle.cookie } }).req)).status).toBe(401);

    const absolute = await createTestSession({ userId: user.id });
    await prisma.session.update({
      where: { id: absolute.session.id },
      data: { absoluteExpiresAt: new Date(Date.now() - 1000) },
    });
    expect((await getMe(request("/api/v1/me", { headers: { cookie: absolute.cookie } }).req)).status).toBe(401);
    // Expired rows are removed when seen.
    expect(await prisma.session.count({ where: { id: { in: [idle.session.id, absolute.session.id] } } })).toBe(0);

    await prisma.session.delete({ where: { id: live.session.id } });
    expect((await getMe(request("/api/v1/me", { headers: { cookie: live.cookie } }).req)).status).toBe(401);
  });
});

describe("team writes", () => {
  it("refuses a read-only token with 403 and audits the denial", async () => {
    const slug = uniqueName("fit");
    const { user } = await createTestUser({ teams: [{ slug }] });
    const { token } = await createTestToken({ userId: user.id, canWrite: false });
    const { req, agent } = request(`/api/v1/teams/${slug}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Renamed" }),
    });
    const res = await patchTeam(req, params(slug));
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatchObject({ code: "forbidden", message: expect.stringMatching(/read-only/) });
    expect((await auditFor(agent))[0]).toMatchObject({ action: "team.update", outcome: "denied", actorId: user.id });
    expect((await prisma.team.findUniqueOrThrow({ where: { slug } })).name).toBe(slug);
  });

  it("refuses a non-member with 403 and lets a member (and an admin) rename the team, audited", async () => {
    const slug = uniqueName("returns");
    const { user: member } = await createTestUser({ teams: [{ slug }] });
    const { user: outsider } = await createTestUser({ teams: [{ slug: uniqueName("forecasting") }] });
    const { user: reviewer } = await createTestUser({ teams: [{ slug, role: "REVIEWER" }] });
    const { user: admin } = await createTestUser({ isAdmin: true });

    const patch = async (userId: string, name: string) => {
      const { token } = await createTestToken({ userId, canWrite: true });
      const { req, agent } = request(`/api/v1/teams/${slug}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      const res = await patchTeam(req, params(slug));
      return { res, rows: await auditFor(agent) };
    };

    const denied = await patch(outsider.id, "Hijacked");
    expect(denied.res.status).toBe(403);
    expect(denied.rows[0]).toMatchObject({
      action: "team.update",
      outcome: "denied",
      targetType: "team",
      targetId: slug,
    });
    expect((await patch(reviewer.id, "Reviewed")).res.status).toBe(403);

    const allowed = await patch(member.id, "Returns & Refunds");
    expect(allowed.res.status).toBe(200);
    expect(await allowed.res.json()).toMatchObject({ slug, name: "Returns & Refunds", canWrite: true });
    expect(allowed.rows[0]).toMatchObject({ action: "team.update", outcome: "ok", actorId: member.id });
    expect(allowed.rows[0]?.details).toMatchObject({ to: "Returns & Refunds" });

    expect((await patch(admin.id, "Returns")).res.status).toBe(200);
    expect((await prisma.team.findUniqueOrThrow({ where: { slug } })).name).toBe("Returns");
  });

  it("refuses session writes from another origin", async () => {
    const slug = uniqueName("fit");
    const { user } = await createTestUser({ teams: [{ slug }] });
    const { cookie } = await createTestSession({ userId: user.id });
    const body = JSON.stringify({ name: "x" });
    const headers = { cookie, "content-type": "application/json" };
    const cross = await patchTeam(
      request(`/api/v1/teams/${slug}`, {
        method: "PATCH",
        headers: { ...headers, origin: "https://evil.example" },
        body,
      }).req,
      params(slug),
    );
    expect(cross.status).toBe(403);
    const same = await patchTeam(
      request(`/api/v1/teams/${slug}`, { method: "PATCH", headers: { ...headers, origin: BASE }, body }).req,
      params(slug),
    );
    expect(same.status).toBe(200);
  });

  it("answers 400 for bad input and 404 for unknown teams, in the error shape", async () => {
    const { user } = await createTestUser({ isAdmin: true });
    const { token } = await createTestToken({ userId: user.id, canWrite: true });
    const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const badSlug = await getTeam(request("/api/v1/teams/BAD%20SLUG", { headers: auth }).req, params("BAD SLUG"));
    expect(badSlug.status).toBe(400);
    expect((await badSlug.json()).error.code).toBe("bad_request");
    const missing = await getTeam(request("/api/v1/teams/no-such-team", { headers: auth }).req, params("no-such-team"));
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("not_found");
    const slug = uniqueName("fit");
    await createTestUser({ teams: [{ slug }] });
    const notJson = await patchTeam(
      request(`/api/v1/teams/${slug}`, { method: "PATCH", headers: auth, body: "{" }).req,
      params(slug),
    );
    expect(notJson.status).toBe(400);
    const empty = await patchTeam(
      request(`/api/v1/teams/${slug}`, { method: "PATCH", headers: auth, body: JSON.stringify({ name: " " }) }).req,
      params(slug),
    );
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.message).toMatch(/name/);
  });
});

describe("OpenAPI document", () => {
  it("is generated from the zod schemas and needs credentials", async () => {
    expect((await getOpenApi(request("/api/v1/openapi.json").req)).status).toBe(401);
    const { user } = await createTestUser();
    const { token } = await createTestToken({ userId: user.id });
    const res = await getOpenApi(
      request("/api/v1/openapi.json", { headers: { authorization: `Bearer ${token}` } }).req,
    );
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/v1/me", "/api/v1/teams/{slug}"]));
    expect(doc.components.schemas.Me.properties).toHaveProperty("teams");
    expect(doc.components.schemas.Error).toBeDefined();
    expect(doc.paths["/api/v1/teams/{slug}"].patch.responses).toHaveProperty("403");
  });
});
