/**
 * The rule kinds step_regression (decided when the sync writes a run's end) and card_review_waiting (decided
 * once a minute), on known data, firing and not firing. `now` is always passed in, never read from the clock.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "@/lib/auth/principal";
import { createTestUser } from "@/lib/auth/testing";
import { pool, sql } from "@/lib/db";
import { type SeededModel, seedModel } from "@/lib/models/testing";
import { type SeededPipeline, seedPipeline, seedRun } from "@/lib/runs/testing";
import { evaluateRunAlerts, STEP_MIN_SLOWDOWN_SECONDS, worstStepRegression } from "./evaluate";
import { createRule, getInbox } from "./manage";
import { evaluatePeriodicAlerts } from "./periodic";

const T0 = Date.UTC(2033, 5, 1, 6);
const at = (m: number) => new Date(T0 + m * 60_000);

const member = (userId: string, team: { id: number; slug: string }, extra: Partial<Principal["user"]> = {}) =>
  ({
    user: {
      id: userId,
      email: null,
      name: null,
      isAdmin: false,
      teams: [{ id: team.id, slug: team.slug, name: team.slug, role: "MEMBER" }],
      ...extra,
    },
    via: "session",
    credentialId: "test",
    canWrite: true,
  }) satisfies Principal;

async function evaluate(runIds: number[], now = at(100_000)): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const ids = await evaluateRunAlerts(client, { runIds, now });
    await client.query("COMMIT");
    return ids;
  } finally {
    client.release();
  }
}

describe("worstStepRegression (pure)", () => {
  it("takes the step slowed down most beyond the threshold, with a usable baseline and a real slowdown", () => {
    const steps = [
      { key: "Prep", value: 130, baseline: 100, n: 10 }, // +30 %
      { key: "Train", value: 1800, baseline: 1000, n: 10 }, // +80 %
      { key: "Eval", value: 900, baseline: 100, n: 2 }, // too few values behind the baseline
      { key: "Gate", value: 0.9, baseline: 0.1, n: 10 }, // +800 % but under a second: noise
      { key: "New", value: 50, baseline: null, n: 0 },
    ];
    expect(worstStepRegression(steps, 20)).toMatchObject({ key: "Train", baseline: 1000, depth: 0.8 });
    expect(worstStepRegression(steps, 90)).toBeNull();
    // Faster is never a regression.
    expect(worstStepRegression([{ key: "Train", value: 100, baseline: 1000, n: 10 }], 1)).toBeNull();
    expect(
      worstStepRegression([{ key: "Train", value: 100 + STEP_MIN_SLOWDOWN_SECONDS - 1, baseline: 100, n: 5 }], 1),
    ).toBeNull();
  });
});

describe("step_regression", () => {
  let pipeline: SeededPipeline;
  let ruleId: number;
  let trainOnly: number;

  /** Four runs whose Train took 20 min and Prep 5 min, from minute `base`. */
  async function history(base: number) {
    for (let i = 0; i < 4; i++) {
      const start = base + i * 60;
      await seedRun(pipeline, {
        startedAt: at(start),
        stoppedAt: at(start + 25),
        steps: [
          { key: "Prep", stateName: "Prep", enteredAt: at(start), exitedAt: at(start + 5) },
          { key: "Train", stateName: "Train", enteredAt: at(start + 5), exitedAt: at(start + 25) },
        ],
      });
    }
  }

  const run = (start: number, prepMin: number, trainMin: number, status = "SUCCEEDED") =>
    seedRun(pipeline, {
      status,
      startedAt: at(start),
      stoppedAt: at(start + prepMin + trainMin),
      steps: [
        { key: "Prep", stateName: "Prep", enteredAt: at(start), exitedAt: at(start + prepMin) },
        {
          key: "Train",
          stateName: "Train",
          enteredAt: at(start + prepMin),
          exitedAt: at(start + prepMin + trainMin),
        },
      ],
    });

  beforeAll(async () => {
    pipeline = await seedPipeline();
    const { user } = await createTestUser({ teams: [{ slug: pipeline.teamSlug }] });
    const me = member(user.id, { id: pipeline.teamId, slug: pipeline.teamSlug });
    const base = { inApp: false, enabled: true, channelIds: [] };
    ruleId = (
      await createRule(me, {
        ...base,
        name: "slow steps",
        kind: "step_regression",
        pipelineId: pipeline.pipelineId,
        params: {},
      })
    ).id;
    trainOnly = (
      await createRule(me, {
        ...base,
        name: "slow training",
        kind: "step_regression",
        pipelineId: pipeline.pipelineId,
        params: { step: "Train", thresholdPercent: 50 },
      })
    ).id;
    await history(0);
  });

  const alertsOf = async (rule: number) =>
    sql<{ run_id: number; title: string; payload: { metric: unknown } }>(
      "SELECT run_id, title, payload FROM alert WHERE rule_id = $1 ORDER BY id",
      [rule],
    );

  it("fires when a step is slower than its trailing baseline by more than the threshold, once per run", async () => {
    const slow = await run(300, 5, 36); // Train 36 min vs 20: +80 %
    const ids = await evaluate([slow.id]);
    expect(ids).toHaveLength(2);
    expect(await evaluate([slow.id])).toEqual([]);
    const [alert] = await alertsOf(ruleId);
    expect(alert?.run_id).toBe(slow.id);
    expect(alert?.title).toMatch(/: step Train took 36 min 00 s \(baseline 20 min 00 s\) in run /);
    expect(alert?.payload.metric).toEqual({
      name: "Train duration (s)",
      value: 2160,
      baseline: 1200,
      changePercent: 80,
      thresholdPercent: 20,
    });
    expect((await alertsOf(trainOnly)).map((a) => a.run_id)).toEqual([slow.id]);
  });

  it("does not fire within the threshold, for another step than the rule's, or while the run is running", async () => {
    // The baseline now includes the 36-min run: mean of the last 5 Train durations = 23.2 min.
    const within = await run(400, 5, 26); // +12 % on Train
    expect(await evaluate([within.id])).toEqual([]);
    // Prep 8 min vs 5: +60 %, but the Train-only rule ignores it; the any-step rule fires.
    const prepSlow = await run(500, 8, 22);
    await evaluate([prepSlow.id]);
    expect((await alertsOf(ruleId)).map((a) => a.run_id)).toContain(prepSlow.id);
    expect((await alertsOf(trainOnly)).map((a) => a.run_id)).not.toContain(prepSlow.id);
    const running = await seedRun(pipeline, {
      status: "RUNNING",
      startedAt: at(600),
      steps: [{ key: "Prep", stateName: "Prep", enteredAt: at(600), exitedAt: at(660) }],
    });
    expect(await evaluate([running.id])).toEqual([]);
  });
});

describe("card_review_waiting", () => {
  let model: SeededModel;
  let ruleId: number;
  let user: { id: string };
  const DAY = 86_400_000;
  const submitted = new Date(Date.UTC(2034, 0, 10, 12));

  async function pendingCard(versionId: number, revisionAt: Date): Promise<number> {
    const [card] = await sql<{ id: number }>(
      `INSERT INTO model_card (model_version_id, status, latest_revision, created_at, updated_at)
       VALUES ($1, 'PENDING_REVIEW', 2, $2, $2) RETURNING id`,
      [versionId, revisionAt],
    );
    await sql(
      `INSERT INTO model_card_revision (card_id, revision, status, content, created_at)
       VALUES ($1, 1, 'DRAFT', '{}', $2), ($1, 2, 'PENDING_REVIEW', '{}', $3)`,
      [card?.id, new Date(revisionAt.getTime() - DAY), revisionAt],
    );
    return card?.id ?? 0;
  }

  beforeAll(async () => {
    model = await seedModel({ values: [0.6, 0.7] });
    ({ user } = await createTestUser({ teams: [{ slug: model.teamSlug }] }));
    ruleId = (
      await createRule(member(user.id, { id: model.teamId, slug: model.teamSlug }), {
        name: "cards waiting",
        kind: "card_review_waiting",
        team: model.teamSlug,
        params: { days: 3 },
        inApp: true,
        enabled: true,
        channelIds: [],
      })
    ).id;
  });

  it("fires once a card has waited longer than N days for review, once per request, and not before", async () => {
    const [v1, v2] = model.versions;
    const card = await pendingCard(v1?.versionId ?? 0, submitted);
    // A card still in draft never fires.
    await sql(
      `INSERT INTO model_card (model_version_id, status, latest_revision, created_at, updated_at)
       VALUES ($1, 'DRAFT', 0, $2, $2)`,
      [v2?.versionId, submitted],
    );
    const mine = async () =>
      sql<{ subject: string; title: string; payload: { model: unknown } }>(
        "SELECT subject, title, payload FROM alert WHERE rule_id = $1 ORDER BY id",
        [ruleId],
      );
    await evaluatePeriodicAlerts({ now: new Date(submitted.getTime() + 2 * DAY) });
    expect(await mine()).toEqual([]);
    await evaluatePeriodicAlerts({ now: new Date(submitted.getTime() + 3 * DAY + 60_000) });
    await evaluatePeriodicAlerts({ now: new Date(submitted.getTime() + 4 * DAY) });
    const alerts = await mine();
    expect(alerts.map((a) => a.subject)).toEqual([`card:${card}:2`]);
    expect(alerts[0]?.title).toBe(`${model.name} v${v1?.version}: model card waiting for review for 3 days`);
    expect(alerts[0]?.payload.model).toMatchObject({
      id: model.modelId,
      version: v1?.version,
      url: expect.stringMatching(new RegExp(`/models/${model.modelId}\\?version=${v1?.version}$`)),
    });
    // Sent back to draft and submitted again: a new request, a new alert when it has waited again.
    await sql(
      `INSERT INTO model_card_revision (card_id, revision, status, content, created_at)
       VALUES ($1, 3, 'PENDING_REVIEW', '{}', $2)`,
      [card, new Date(submitted.getTime() + 5 * DAY)],
    );
    await sql("UPDATE model_card SET latest_revision = 3 WHERE id = $1", [card]);
    await evaluatePeriodicAlerts({ now: new Date(submitted.getTime() + 6 * DAY) });
    expect((await mine()).map((a) => a.subject)).toEqual([`card:${card}:2`]);
    await evaluatePeriodicAlerts({ now: new Date(submitted.getTime() + 8 * DAY + 60_000) });
    expect((await mine()).map((a) => a.subject)).toEqual([`card:${card}:2`, `card:${card}:3`]);
    // The team's members get it in their inbox (the rule is in-app).
    const inbox = await sql("SELECT 1 FROM inbox_item i JOIN alert a ON a.id = i.alert_id WHERE a.rule_id = $1", [
      ruleId,
    ]);
    expect(inbox.length).toBeGreaterThanOrEqual(2);
    // Its inbox entry opens the model card the alert is about (it has no run).
    const { items } = await getInbox(user.id);
    expect(items.find((item) => item.kind === "card_review_waiting")).toMatchObject({
      runPublicId: null,
      path: `/models/${model.modelId}?version=${v1?.version}`,
    });
  });
});
