import { describe, expect, it } from "vitest";
import { runWithRequestContext } from "@/lib/audit/request-context";
import { prisma } from "@/lib/db";
import { prismaAdapter } from "./adapter";
import { sha256 } from "./hash";
import { findActiveSession } from "./session";
import { mapGroups, syncMembershipsFromGroups } from "./teams";
import { createTestUser, uniqueName } from "./testing";

describe("mapGroups", () => {
  it("maps group names to team slugs, reviewers and the admin flag", () => {
    expect(mapGroups(["Fit and Size", "stepwise-admins", "returns-reviewers", "/Forecasting"])).toEqual({
      isAdmin: true,
      teams: [
        { slug: "fit-and-size", name: "Fit and Size", role: "MEMBER" },
        { slug: "returns", name: "returns", role: "REVIEWER" },
        { slug: "forecasting", name: "Forecasting", role: "MEMBER" },
      ],
    });
  });

  it("compares group paths whole: a nested group of the same name is neither the admin group nor the team", () => {
    // Keycloak sends full paths ("Full group path" on): anyone may be put in some /x/stepwise-admins.
    expect(mapGroups(["/x/stepwise-admins"]).isAdmin).toBe(false);
    expect(mapGroups(["/stepwise-admins"]).isAdmin).toBe(true);
    expect(mapGroups([" stepwise-admins "]).isAdmin).toBe(true);
    expect(mapGroups(["stepwise-admins/child"]).isAdmin).toBe(false);
    expect(mapGroups(["/other-org/fit-and-size"]).teams.map((t) => t.slug)).toEqual(["other-org-fit-and-size"]);
    expect(mapGroups(["/org/ml/Forecasting"]).teams.map((t) => t.slug)).toEqual(["org-ml-forecasting"]);
  });

  it("takes a configured parent path or prefix, and a configured full-path admin group", () => {
    const saved = { prefix: process.env.TEAM_GROUP_PREFIX, admin: process.env.STEPWISE_ADMIN_GROUP };
    try {
      process.env.TEAM_GROUP_PREFIX = "/org/ml/";
      process.env.STEPWISE_ADMIN_GROUP = "/platform/stepwise-admins";
      const mapped = mapGroups(["/org/ml/Forecasting", "/org/hr/all", "/org/ml/returns-reviewers", "/stepwise-admins"]);
      expect(mapped.teams).toEqual([
        { slug: "forecasting", name: "Forecasting", role: "MEMBER" },
        { slug: "returns", name: "returns", role: "REVIEWER" },
      ]);
      expect(mapped.isAdmin).toBe(false);
      expect(mapGroups(["/platform/stepwise-admins"]).isAdmin).toBe(true);
      expect(mapGroups(["/evil/org/ml/forecasting"]).teams).toEqual([]);
    } finally {
      for (const [name, value] of [
        ["TEAM_GROUP_PREFIX", saved.prefix],
        ["STEPWISE_ADMIN_GROUP", saved.admin],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
  it("prefers writer over reviewer membership and ignores empty names", () => {
    expect(mapGroups(["returns-reviewers", "returns", "", "---"]).teams).toEqual([
      { slug: "returns", name: "returns", role: "MEMBER" },
    ]);
  });
});

describe("syncMembershipsFromGroups", () => {
  it("creates teams on the fly and replaces IdP memberships at each login, keeping manual ones", async () => {
    const a = uniqueName("alpha");
    const b = uniqueName("beta");
    const manual = uniqueName("manual");
    const { user, teams } = await createTestUser({ teams: [{ slug: manual }] });
    await prisma.membership.update({
      where: { userId_teamId: { userId: user.id, teamId: teams[0]?.id ?? 0 } },
      data: { origin: "manual" },
    });
    await syncMembershipsFromGroups({ userId: user.id, groups: [a, `${b}-reviewers`, "stepwise-admins"] });
    let rows = await prisma.membership.findMany({ where: { userId: user.id }, include: { team: true } });
    expect(rows.map((r) => [r.team.slug, r.role, r.origin]).sort()).toEqual(
      [
        [a, "MEMBER", "idp"],
        [b, "REVIEWER", "idp"],
        [manual, "MEMBER", "manual"],
      ].sort(),
    );
    expect((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).isAdmin).toBe(true);

    await syncMembershipsFromGroups({ userId: user.id, groups: [b] });
    rows = await prisma.membership.findMany({ where: { userId: user.id }, include: { team: true } });
    expect(rows.map((r) => [r.team.slug, r.role]).sort()).toEqual(
      [
        [b, "MEMBER"],
        [manual, "MEMBER"],
      ].sort(),
    );
    const after = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.isAdmin).toBe(false);
    expect(after.lastLoginAt).not.toBeNull();
  });
});

describe("prisma adapter sessions", () => {
  it("stores only a hash, records IP / user agent and an absolute end, and rotates at login", async () => {
    const adapter = prismaAdapter();
    const { user } = await createTestUser();
    const raw = `raw-${uniqueName("token")}`;
    const created = await runWithRequestContext({ ip: "10.1.2.3", userAgent: "test-agent" }, async () =>
      adapter.createSession?.({ sessionToken: raw, userId: user.id, expires: new Date(Date.now() + 3_600_000) }),
    );
    expect(created?.sessionToken).toBe(raw);
    const row = await prisma.session.findUniqueOrThrow({ where: { sessionToken: sha256(raw) } });
    expect(row).toMatchObject({ ip: "10.1.2.3", userAgent: "test-agent" });
    expect(row.absoluteExpiresAt?.getTime()).toBeGreaterThan(row.expires.getTime() - 1);
    expect(await prisma.session.count({ where: { sessionToken: raw } })).toBe(0);
    expect((await findActiveSession(raw))?.user.id).toBe(user.id);

    // The OIDC callback never continues an existing session: it is deleted and a new one made.
    const during = await runWithRequestContext({ ip: null, userAgent: null, authAction: "callback" }, async () =>
      adapter.getSessionAndUser?.(raw),
    );
    expect(during).toBeNull();
    expect(await findActiveSession(raw)).toBeNull();
  });
});
