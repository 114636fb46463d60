import { beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "@/lib/auth/principal";
import { createTestUser } from "@/lib/auth/testing";
import { type SeededPipeline, seedPipeline } from "@/lib/runs/testing";
import { createRule } from "./manage";
import { getAlertSettings } from "./queries";

const principal = (
  user: { id: string; email: string | null; name: string | null; isAdmin: boolean },
  teams: { id: number; slug: string; role?: "MEMBER" | "REVIEWER" }[],
): Principal => ({
  user: { ...user, teams: teams.map((t) => ({ id: t.id, slug: t.slug, name: t.slug, role: t.role ?? "MEMBER" })) },
  via: "session",
  credentialId: "test",
  canWrite: true,
});

describe("the Alerts page's read", () => {
  let pipeline: SeededPipeline;
  let member: Principal;
  let reviewer: Principal;
  let ruleId: number;

  beforeAll(async () => {
    pipeline = await seedPipeline();
    const m = await createTestUser({ teams: [{ slug: pipeline.teamSlug }] });
    member = principal(m.user, [{ id: pipeline.teamId, slug: pipeline.teamSlug }]);
    const r = await createTestUser();
    reviewer = principal(r.user, [{ id: pipeline.teamId, slug: pipeline.teamSlug, role: "REVIEWER" }]);
    ruleId = (
      await createRule(member, {
        name: "failed",
        kind: "run_failed",
        pipelineId: pipeline.pipelineId,
        params: {},
        inApp: true,
        enabled: true,
        channelIds: [],
      })
    ).id;
  });

  it("offers changes only where the server allows them: the team's members, not its reviewers", async () => {
    const mine = await getAlertSettings(member);
    const rule = mine.rules.find((r) => r.id === ruleId);
    expect(rule).toMatchObject({ canEdit: true, team: pipeline.teamSlug, pipelineName: pipeline.name });
    expect(mine.teams.map((t) => t.slug)).toEqual([pipeline.teamSlug]);
    expect(mine.pipelines.map((p) => p.id)).toContain(pipeline.pipelineId);
    // Global rules (e.g. the demo defaults) are admins' only.
    expect(mine.rules.filter((r) => r.team === null).every((r) => !r.canEdit)).toBe(true);

    const theirs = await getAlertSettings(reviewer);
    expect(theirs.rules.find((r) => r.id === ruleId)).toMatchObject({ canEdit: false, pipelineName: pipeline.name });
    expect(theirs.teams).toEqual([]);
    expect(theirs.pipelines).toEqual([]);
    // A read-only token never edits, whatever the memberships.
    const token = await getAlertSettings({ ...member, canWrite: false });
    expect(token.rules.find((r) => r.id === ruleId)?.canEdit).toBe(false);
  });
});
