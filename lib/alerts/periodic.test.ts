import { beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "@/lib/auth/principal";
import { createTestUser } from "@/lib/auth/testing";
import { sql } from "@/lib/db";
import { type SeededPipeline, type SeededRun, seedPipeline, seedRun } from "@/lib/runs/testing";
import { createRule } from "./manage";
import { evaluatePeriodicAlerts } from "./periodic";

// Runs start in 2031, after the rule was created; `now` is passed in, never read from the clock.
const T0 = Date.UTC(2031, 4, 2, 6);
const at = (m: number) => new Date(T0 + m * 60_000);

describe("stuck runs", () => {
  let pipeline: SeededPipeline;
  let other: SeededPipeline;
  let running: SeededRun;
  let ruleId: number;

  beforeAll(async () => {
    pipeline = await seedPipeline();
    other = await seedPipeline();
    const { user } = await createTestUser({ teams: [{ slug: pipeline.teamSlug }] });
    const member: Principal = {
      user: {
        ...user,
        teams: [{ id: pipeline.teamId, slug: pipeline.teamSlug, name: pipeline.teamSlug, role: "MEMBER" }],
      },
      via: "session",
      credentialId: "test",
      canWrite: true,
    };
    ruleId = (
      await createRule(member, {
        name: "stuck",
        kind: "run_stuck",
        pipelineId: pipeline.pipelineId,
        params: { factor: 2 },
        inApp: false,
        enabled: true,
        channelIds: [],
      })
    ).id;
    // Six successful runs of 8–10 minutes: p95 ≈ 10 min.
    for (const [i, minutes] of [8, 9, 10, 10, 9, 8].entries())
      await seedRun(pipeline, { startedAt: at(i * 60), stoppedAt: at(i * 60 + minutes) });
    for (let i = 0; i < 6; i++) await seedRun(other, { startedAt: at(i * 60), stoppedAt: at(i * 60 + 1) });
    running = await seedRun(pipeline, { status: "RUNNING", startedAt: at(600) });
    await seedRun(other, { status: "RUNNING", startedAt: at(600) });
  });

  it("alerts once when a run runs longer than factor × its pipeline's p95, and not before", async () => {
    const mine = async () =>
      (await sql<{ run_id: number }>("SELECT run_id FROM alert WHERE rule_id = $1", [ruleId])).map((r) => r.run_id);
    await evaluatePeriodicAlerts({ now: at(615) });
    expect(await mine()).toEqual([]);
    const created = await evaluatePeriodicAlerts({ now: at(625) });
    expect(created).toHaveLength(1);
    expect(await mine()).toEqual([running.id]);
    // Every minute again: nothing new for the same run.
    expect(await evaluatePeriodicAlerts({ now: at(626) })).toEqual([]);
    const [alert] = await sql<{ title: string; kind: string }>("SELECT title, kind FROM alert WHERE rule_id = $1", [
      ruleId,
    ]);
    expect(alert?.kind).toBe("run_stuck");
    expect(alert?.title).toMatch(/running for 25 min \(2 × p95 10 min\)$/);
  });
});
