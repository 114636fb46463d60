/**
 * Saved views through their route handlers against a real Postgres: who may create and delete (own views,
 * team views for members only, read-only tokens never), what the list shows, audit rows, hostile input.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELETE as deleteRoute, GET as getOne } from "@/app/api/v1/views/[viewId]/route";
import { POST as createRoute, GET as listRoute } from "@/app/api/v1/views/route";
import { createTestToken, createTestUser, uniqueName } from "@/lib/auth/testing";
import { pool, sql } from "@/lib/db";
import { type SeededPipeline, seedPipeline } from "@/lib/runs/testing";
import type { SavedView, SavedViewList } from "./schema";

let pipeline: SeededPipeline;
const team = uniqueName("views-team");
let member: { id: string; token: string; readOnly: string };
let outsider: { id: string; token: string };

const base = "http://localhost:3000/api/v1/views";
const auth = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

const create = (token: string, body: unknown) =>
  createRoute(new Request(base, { method: "POST", headers: auth(token), body: JSON.stringify(body) }), {
    params: Promise.resolve({}),
  });
const list = (token: string, pipelineId: number | string = pipeline.pipelineId) =>
  listRoute(new Request(`${base}?pipelineId=${pipelineId}`, { headers: auth(token) }), {
    params: Promise.resolve({}),
  });
const remove = (token: string, viewId: string) =>
  deleteRoute(new Request(`${base}/${viewId}`, { method: "DELETE", headers: auth(token) }), {
    params: Promise.resolve({ viewId }),
  });
const one = (token: string, viewId: string) =>
  getOne(new Request(`${base}/${viewId}`, { headers: auth(token) }), { params: Promise.resolve({ viewId }) });

beforeAll(async () => {
  pipeline = await seedPipeline({ teamSlug: team });
  const m = await createTestUser({ teams: [{ slug: team }] });
  member = {
    id: m.user.id,
    token: (await createTestToken({ userId: m.user.id, canWrite: true })).token,
    readOnly: (await createTestToken({ userId: m.user.id })).token,
  };
  const o = await createTestUser();
  outsider = { id: o.user.id, token: (await createTestToken({ userId: o.user.id, canWrite: true })).token };
});

afterAll(async () => {
  await pool.end();
});

describe("saved views", () => {
  it("saves the caller's own view and a team view, lists them, opens them by id", async () => {
    const params = { q: "hp.learning_rate = 0.01", status: "SUCCEEDED", m: "validation:auc", x: "number", th: "5" };
    const own = await create(member.token, { pipelineId: pipeline.pipelineId, name: "Mine", params });
    expect(own.status).toBe(200);
    const mine = (await own.json()) as SavedView;
    expect(mine).toMatchObject({ name: "Mine", params, owner: { kind: "user", self: true }, canDelete: true });
    expect(mine.url).toBe(`/v/${mine.id}`);
    const shared = await create(member.token, { pipelineId: pipeline.pipelineId, name: "Team's", params: {}, team });
    expect(shared.status).toBe(200);
    const teamView = (await shared.json()) as SavedView;
    expect(teamView.owner).toEqual({ kind: "team", slug: team, name: team });

    const forMember = (await (await list(member.token)).json()) as SavedViewList;
    expect(forMember.views.map((v) => v.name)).toEqual(["Mine", "Team's"]);
    expect(forMember.teams).toEqual([{ slug: team, name: team }]);
    // Someone else sees the team's views (reading is open) but not another user's own, and may change neither.
    const forOutsider = (await (await list(outsider.token)).json()) as SavedViewList;
    expect(forOutsider.views.map((v) => [v.name, v.canDelete])).toEqual([["Team's", false]]);
    expect(forOutsider.teams).toEqual([]);
    // The short URL of someone's own view still opens for whoever it is shared with.
    const opened = await one(outsider.token, mine.id);
    expect(opened.status).toBe(200);
    expect(((await opened.json()) as SavedView).owner).toMatchObject({ kind: "user", self: false });

    const audit = await sql<{ action: string; outcome: string; target_id: string }>(
      `SELECT action, outcome, target_id FROM audit_log WHERE target_type = 'saved_view' AND target_id = ANY($1)
        ORDER BY id`,
      [[mine.id, teamView.id]],
    );
    expect(audit).toEqual([
      { action: "view.create", outcome: "ok", target_id: mine.id },
      { action: "view.create", outcome: "ok", target_id: teamView.id },
    ]);
  });

  it("lets only team members save team views, and never read-only tokens", async () => {
    const denied = await create(outsider.token, { pipelineId: pipeline.pipelineId, name: "x", params: {}, team });
    expect(denied.status).toBe(403);
    const readOnly = await create(member.readOnly, { pipelineId: pipeline.pipelineId, name: "x", params: {} });
    expect(readOnly.status).toBe(403);
    const [count] = await sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM saved_view WHERE pipeline_id = $1 AND name = 'x'",
      [pipeline.pipelineId],
    );
    expect(count?.n).toBe(0);
    const [refused] = await sql<{ outcome: string }>(
      `SELECT outcome FROM audit_log WHERE action = 'view.create' AND actor_id = $1 ORDER BY id DESC LIMIT 1`,
      [outsider.id],
    );
    expect(refused?.outcome).toBe("denied");
  });

  it("deletes own views and the team's for members; others get 403 and the view stays", async () => {
    const mine = (await (
      await create(member.token, { pipelineId: pipeline.pipelineId, name: "to delete", params: {} })
    ).json()) as SavedView;
    const teams = (await (
      await create(member.token, { pipelineId: pipeline.pipelineId, name: "team to delete", params: {}, team })
    ).json()) as SavedView;
    expect((await remove(outsider.token, mine.id)).status).toBe(403);
    expect((await remove(outsider.token, teams.id)).status).toBe(403);
    expect((await remove(member.readOnly, mine.id)).status).toBe(403);
    expect((await one(member.token, mine.id)).status).toBe(200);
    expect((await remove(member.token, mine.id)).status).toBe(200);
    expect((await remove(member.token, teams.id)).status).toBe(200);
    expect((await one(member.token, mine.id)).status).toBe(404);
    expect((await remove(member.token, mine.id)).status).toBe(404);
    const audit = await sql<{ outcome: string }>(
      `SELECT outcome FROM audit_log WHERE action = 'view.delete' AND target_id = $1 ORDER BY id`,
      [teams.id],
    );
    expect(audit.map((a) => a.outcome)).toEqual(["denied", "ok"]);
  });

  it.each([
    ["an unknown parameter key", { name: "x", params: { evil: "1" } }, 400],
    ["a search that does not parse", { name: "x", params: { q: "hp.a = (" } }, 400],
    ["an empty name", { name: "  ", params: {} }, 400],
    ["an unknown field", { name: "x", params: {}, owner: "me" }, 400],
    ["an unknown team", { name: "x", params: {}, team: "no-such-team-zz" }, 400],
    ["a 5,000-character value", { name: "x", params: { q: "a".repeat(5000) } }, 400],
  ])("refuses %s with %i", async (_what, body, status) => {
    const res = await create(member.token, { pipelineId: pipeline.pipelineId, ...body });
    expect(res.status).toBe(status);
    const error = (await res.json()) as { error: { code: string; message: string } };
    expect(error.error.code).toBe("bad_request");
  });

  it("answers unknown pipelines and ids with 404 and malformed ones with 400", async () => {
    expect((await create(member.token, { pipelineId: 2_000_000_000, name: "x", params: {} })).status).toBe(404);
    expect((await list(member.token, "abc")).status).toBe(400);
    expect((await one(member.token, "nope")).status).toBe(400);
    expect((await one(member.token, "zzzzzzzzzz")).status).toBe(404);
    expect((await remove(member.token, "../../etc")).status).toBe(400);
  });
});
