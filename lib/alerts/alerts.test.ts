/**
 * Alerts end to end below the browser: rules and channels through lib/alerts/manage (permissions), evaluation
 * inside a transaction as the sync does it, delivery by real graphile-worker runners to a local HTTP receiver
 * — signed, with the run URL and the top changes —, exactly once with two workers and across a restart,
 * retries with backoff and the delivery log, and the inbox.
 */
import { createHmac } from "node:crypto";
import type { Runner } from "graphile-worker";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "@/lib/auth/principal";
import { createTestUser } from "@/lib/auth/testing";
import { channels as inputChannels, seedJob, seedRunMetrics } from "@/lib/changes/testing";
import { pool, sql } from "@/lib/db";
import { RUN_COST_METRIC } from "@/lib/metrics/direction";
import { type SeededPipeline, type SeededRun, seedPipeline, seedRun } from "@/lib/runs/testing";
import { decryptSecret } from "./crypto";
import { deliverAt } from "./evaluate";
import { evaluateAlertsInTransaction } from "./index";
import { createChannel, createRule, getInbox, listDeliveries, markInboxRead, setWatch, updateRule } from "./manage";
import type { RuleBody } from "./schema";
import { ruleBody, webhookReceiver } from "./testing";
import { startAlertWorker } from "./worker";

// Channel secrets are encrypted with a key derived from this (the app has NEXTAUTH_SECRET).
process.env.STEPWISE_SECRET_KEY ??= "alerts-test-key";
// The receivers are local: allow private webhook targets (refused by default, lib/alerts/outbound.ts).
process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS = "1";

const principal = (
  user: { id: string; email: string | null; name: string | null; isAdmin: boolean },
  teams: { id: number; slug: string }[],
  canWrite = true,
): Principal => ({
  user: { ...user, teams: teams.map((t) => ({ ...t, name: t.slug, role: "MEMBER" as const })) },
  via: "session",
  credentialId: "test",
  canWrite,
});

/** What the sync does: evaluate in the transaction that writes the run. */
async function evaluate(runIds: number[]): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // The sync's own entry point (lib/sync/runs.ts, write-jobs.ts), with its savepoint; a failure would be logged.
    const errors: string[] = [];
    const ids = await evaluateAlertsInTransaction(client, runIds, {
      error: (m, f) => errors.push(`${m} ${JSON.stringify(f)}`),
    });
    expect(errors).toEqual([]);
    await client.query("COMMIT");
    return ids;
  } finally {
    client.release();
  }
}

const T0 = Date.UTC(2030, 0, 7, 8); // runs start after the rules were created (rules fire only for newer runs)
const at = (m: number) => new Date(T0 + m * 60_000);

describe("alerts", () => {
  const hook = webhookReceiver();
  let url: string;
  let pipeline: SeededPipeline;
  let member: Principal;
  let outsider: Principal;
  let watcherId: string;
  let secret: string;
  let channelId: number;
  let runners: Runner[] = [];
  const pools: pg.Pool[] = [];

  const startWorker = async () => {
    const p = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
    pools.push(p);
    const runner = await startAlertWorker({ pgPool: p, concurrency: 2, pollInterval: 200 });
    runners.push(runner);
    return runner;
  };
  const stopWorkers = async () => {
    for (const r of runners) await r.stop();
    runners = [];
  };

  /** The run's training job on `data` with learning rate `eta`. */
  const train = (
    run: SeededRun,
    { eta, data, billableSeconds }: { eta: string; data: string; billableSeconds: number },
  ) =>
    seedJob(pipeline, run, {
      stepKey: "Train",
      hyperParameters: { eta },
      instanceType: "ml.m5.xlarge",
      inputs: inputChannels({ train: data }),
      billableSeconds,
    });

  let n = 0;
  /** A good history and then a failed run whose training got slower and more expensive. */
  async function failedRun(): Promise<SeededRun> {
    n += 10;
    const base = n * 60;
    for (let i = 0; i < 4; i++) {
      const good = await seedRun(pipeline, {
        startedAt: at(base + i * 60),
        stoppedAt: at(base + i * 60 + 20),
        steps: [{ key: "Train", stateName: "Train", enteredAt: at(base + i * 60), exitedAt: at(base + i * 60 + 20) }],
      });
      await train(good, { eta: "0.1", data: "s3://d/v1", billableSeconds: 1200 });
      await seedRunMetrics(pipeline, good, { "validation:auc": 0.8 });
    }
    const run = await seedRun(pipeline, {
      status: "FAILED",
      startedAt: at(base + 300),
      stoppedAt: at(base + 345),
      steps: [
        { key: "Train", stateName: "Train", status: "FAILED", enteredAt: at(base + 300), exitedAt: at(base + 345) },
      ],
    });
    await train(run, { eta: "0.5", data: "s3://d/v2", billableSeconds: 2700 });
    await seedRunMetrics(pipeline, run, { "validation:auc": 0.6 });
    return run;
  }

  beforeAll(async () => {
    url = await hook.start();
    pipeline = await seedPipeline();
    const m = await createTestUser({ teams: [{ slug: pipeline.teamSlug }] });
    member = principal(m.user, [{ id: pipeline.teamId, slug: pipeline.teamSlug }]);
    const o = await createTestUser({ teams: [{ slug: `other-${pipeline.teamSlug}` }] });
    outsider = principal(o.user, o.teams);
    const w = await createTestUser();
    watcherId = w.user.id;
    await setWatch(watcherId, pipeline.pipelineId, true);
    const created = await createChannel(member, {
      name: "receiver",
      kind: "webhook",
      team: pipeline.teamSlug,
      target: url,
    });
    secret = created.secret ?? "";
    channelId = created.channel.id;
    // Rules are created "before" the runs: the runs start in 2030.
    await createRule(
      member,
      ruleBody({ name: "failed runs", kind: "run_failed", team: pipeline.teamSlug, channelIds: [channelId] }),
    );
    await createRule(
      member,
      ruleBody({
        name: "auc drops",
        kind: "metric_regression",
        pipelineId: pipeline.pipelineId,
        params: { metric: "validation:auc" },
        inApp: false,
        channelIds: [channelId],
      }),
    );
  });

  afterEach(stopWorkers);
  afterAll(async () => {
    await stopWorkers();
    for (const p of pools) await p.end();
    await hook.stop();
  });

  it("only members of the owning team (or admins) change its rules and channels; secrets are stored encrypted", async () => {
    // An outsider creates no rule for the team or its pipeline; a member creates no global rule.
    const failedRule = (scope: Partial<RuleBody>): RuleBody => ({
      name: "x",
      kind: "run_failed",
      params: {},
      inApp: true,
      enabled: true,
      channelIds: [],
      ...scope,
    });
    for (const [who, scope] of [
      [outsider, { team: pipeline.teamSlug }],
      [outsider, { pipelineId: pipeline.pipelineId }],
      [member, {}],
    ] as const) {
      await expect(createRule(who, failedRule(scope))).rejects.toMatchObject({ code: "forbidden" });
    }
    await expect(
      createChannel(
        { ...member, canWrite: false },
        { name: "x", kind: "webhook", team: pipeline.teamSlug, target: url },
      ),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      createChannel(member, { name: "x", kind: "webhook", team: pipeline.teamSlug, target: "ftp://x" }),
    ).rejects.toMatchObject({ code: "bad_request" });
    await expect(listDeliveries(outsider, channelId)).rejects.toMatchObject({ code: "forbidden" });
    const [row] = await sql<{ target_ciphertext: string; secret_ciphertext: string; label: string }>(
      "SELECT target_ciphertext, secret_ciphertext, label FROM alert_channel WHERE id = $1",
      [channelId],
    );
    expect(row?.target_ciphertext).not.toContain("127.0.0.1");
    expect(row?.secret_ciphertext).not.toContain(secret);
    expect(decryptSecret(row?.secret_ciphertext ?? "")).toBe(secret);
    expect(row?.label).toBe(new URL(url).origin);
    expect(secret).toMatch(/^whsec_/);
  });

  it("a failed, regressed run: one signed POST per rule with run URL and top changes, exactly once with two workers", async () => {
    const run = await failedRun();
    const before = hook.received.length;
    const first = await evaluate([run.id]);
    expect(first).toHaveLength(2);
    // The sync seeing the run again (every pass until it settles) adds nothing.
    expect(await evaluate([run.id])).toEqual([]);
    expect(await evaluate([run.id])).toEqual([]);
    // Nothing is sent before a worker runs: the jobs wait in Postgres.
    expect(hook.received.length).toBe(before);
    await startWorker();
    await startWorker();
    await expect.poll(() => hook.received.length - before, { timeout: 30_000 }).toBe(2);
    const mine = hook.received.slice(before);
    const bodies = mine.map((r) => JSON.parse(r.body));
    for (const r of mine) {
      const expected = `sha256=${createHmac("sha256", secret).update(r.body).digest("hex")}`;
      expect(r.headers["x-stepwise-signature"]).toBe(expected);
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["x-stepwise-idempotency-key"]).toBeTruthy();
    }
    expect(new Set(mine.map((r) => r.headers["x-stepwise-idempotency-key"])).size).toBe(2);
    const failed = bodies.find((b) => b.rule.kind === "run_failed");
    const regressed = bodies.find((b) => b.rule.kind === "metric_regression");
    expect(failed.run).toMatchObject({ publicId: run.publicId, status: "FAILED" });
    expect(failed.run.url).toMatch(new RegExp(`/runs/${run.publicId}$`));
    expect(failed.changes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^validation:auc 0\.6000 vs baseline 0\.8000/),
        "hyperparameter Train eta: 0.1 → 0.5",
        "data Train train: s3://d/v1 → s3://d/v2",
      ]),
    );
    expect(regressed.metric).toEqual({
      name: "validation:auc",
      value: 0.6,
      baseline: 0.8,
      changePercent: -25,
      thresholdPercent: 3,
    });
    // The receiver answered before the worker committed: wait for the log, which then says once each.
    await expect
      .poll(
        async () =>
          (await listDeliveries(member, channelId)).filter((d) => first.includes(d.alertId) && d.status === "sent")
            .length,
      )
      .toBe(2);
    const log = await listDeliveries(member, channelId);
    const sent = log.filter((d) => first.includes(d.alertId));
    expect(sent.map((d) => [d.status, d.attempts, d.lastStatus])).toEqual([
      ["sent", 1, 200],
      ["sent", 1, 200],
    ]);
    expect(sent[0]?.lastResponse).toBe("ok from receiver");
    expect(hook.received.length - before).toBe(2);
  });

  it("survives a restart between evaluation and delivery, and a repeated job sends nothing twice", async () => {
    const run = await failedRun();
    const before = hook.received.length;
    const ids = await evaluate([run.id]);
    // "Restart": the first worker starts and stops before doing anything; the jobs are still rows.
    const first = await startWorker();
    await first.stop();
    runners = [];
    const [delivery] = await sql<{ id: number }>("SELECT id FROM alert_delivery WHERE alert_id = ANY($1::int[])", [
      ids,
    ]);
    await startWorker();
    await expect.poll(() => hook.received.length - before, { timeout: 30_000 }).toBe(2);
    // A duplicate job for a delivery that was sent is a no-op.
    await sql(
      "SELECT graphile_worker.add_job('alert_delivery', json_build_object('deliveryId', $1::int), job_key := 'dup-' || $1)",
      [delivery?.id],
    );
    await expect
      .poll(
        async () => (await sql("SELECT 1 FROM graphile_worker.jobs WHERE key = 'dup-' || $1", [delivery?.id])).length,
        {
          timeout: 30_000,
        },
      )
      .toBe(0);
    expect(hook.received.length - before).toBe(2);
  });

  it("retries a failing receiver with backoff and keeps the responses in the delivery log", async () => {
    const run = await failedRun();
    const before = hook.received.length;
    hook.statuses.push(500, 500);
    const ids = await evaluate([run.id]);
    await startWorker();
    await expect
      .poll(
        async () =>
          (await listDeliveries(member, channelId)).filter((d) => ids.includes(d.alertId) && d.status === "sent")
            .length,
        { timeout: 45_000 },
      )
      .toBe(2);
    const log = (await listDeliveries(member, channelId)).filter((d) => ids.includes(d.alertId));
    // Two 500s spread over the two deliveries, however the workers interleaved them: 4 attempts in all.
    expect(log.reduce((sum, d) => sum + d.attempts, 0)).toBe(4);
    expect(log.every((d) => d.lastStatus === 200 && d.lastError === null)).toBe(true);
    expect(hook.received.length - before).toBe(4);
    const keys = hook.received.slice(before).map((r) => r.headers["x-stepwise-idempotency-key"]);
    // The same key on every attempt of one delivery.
    expect(new Set(keys).size).toBe(2);
  });

  it("puts alerts in the inbox of team members (in-app rules) and watchers, announced on their own topic", async () => {
    const run = await failedRun();
    const ids = await evaluate([run.id]);
    const memberInbox = await getInbox(member.user.id);
    const watcherInbox = await getInbox(watcherId);
    const outsiderInbox = await getInbox(outsider.user.id);
    const failedAlert = ids[0];
    expect(memberInbox.items.map((i) => i.alertId)).toContain(failedAlert);
    // The regression rule is not in-app: only the watcher gets it.
    expect(memberInbox.items.map((i) => i.alertId)).not.toContain(ids[1]);
    // Two rules fired for the run: the watcher gets one entry for it, not two (the first alert stands for it).
    expect(ids).toHaveLength(2);
    expect(watcherInbox.items.filter((i) => ids.includes(i.alertId)).map((i) => i.alertId)).toEqual([ids[0]]);
    expect(outsiderInbox.items).toEqual([]);
    expect(memberInbox.unread).toBeGreaterThanOrEqual(1);
    const topics = await sql<{ topic: string }>(
      "SELECT topic FROM live_event WHERE kind = 'alert' AND entity_id = ANY($1::text[])",
      [ids.map(String)],
    );
    expect(new Set(topics.map((t) => t.topic))).toEqual(new Set([`inbox:${member.user.id}`, `inbox:${watcherId}`]));
    // Marking read only touches one's own entries.
    const item = memberInbox.items.find((i) => i.alertId === failedAlert);
    expect(await markInboxRead(outsider.user.id, [item?.id ?? 0])).toBe(0);
    expect(await markInboxRead(member.user.id, [item?.id ?? 0])).toBe(1);
    expect((await getInbox(member.user.id)).items.find((i) => i.alertId === failedAlert)?.read).toBe(true);
  });

  it("a muted rule raises nothing until the mute ends; quiet hours delay delivery to their end", async () => {
    const rule = await createRule(member, {
      name: "muted",
      kind: "run_failed",
      pipelineId: pipeline.pipelineId,
      params: { statuses: ["FAILED"] },
      inApp: false,
      enabled: true,
      mutedUntil: "2999-01-01T00:00:00.000Z",
      channelIds: [],
    });
    const run = await failedRun();
    const ids = await evaluate([run.id]);
    const [muted] = await sql("SELECT 1 FROM alert WHERE rule_id = $1", [rule.id]);
    expect(muted).toBeUndefined();
    await updateRule(member, rule.id, {
      ...rule,
      team: undefined,
      mutedUntil: null,
      params: { statuses: ["FAILED"] },
      channelIds: [],
    });
    const again = await evaluate([run.id]);
    expect(again).toHaveLength(1);
    expect(ids).toHaveLength(2);
    // 22:00–06:00 UTC
    const quiet = { quiet_start: 22 * 60, quiet_end: 6 * 60 };
    expect(deliverAt(quiet, new Date("2030-01-01T23:30:00Z")).toISOString()).toBe("2030-01-02T06:00:00.000Z");
    expect(deliverAt(quiet, new Date("2030-01-02T05:59:00Z")).toISOString()).toBe("2030-01-02T06:00:00.000Z");
    expect(deliverAt(quiet, new Date("2030-01-02T12:00:00Z")).toISOString()).toBe("2030-01-02T12:00:00.000Z");
    expect(deliverAt({ quiet_start: 60, quiet_end: 120 }, new Date("2030-01-02T01:30:00Z")).toISOString()).toBe(
      "2030-01-02T02:00:00.000Z",
    );
  });

  it("a regression rule that names no metric leaves the run's cost alone; a rule naming the cost metric watches it", async () => {
    const rule = (name: string, params: { metric?: string }) =>
      createRule(member, {
        name,
        kind: "metric_regression",
        pipelineId: pipeline.pipelineId,
        params,
        inApp: false,
        enabled: true,
        channelIds: [],
      });
    const anyMetric = await rule("any metric", {});
    const cost = await rule("cost", { metric: RUN_COST_METRIC });
    n += 10;
    const base = n * 60;
    for (let i = 0; i < 4; i++) {
      const good = await seedRun(pipeline, { startedAt: at(base + i * 60), stoppedAt: at(base + i * 60 + 20) });
      await seedRunMetrics(pipeline, good, { [RUN_COST_METRIC]: 1.0 });
    }
    // Twice the cost of the four runs before it, and no other metric.
    const dearer = await seedRun(pipeline, { startedAt: at(base + 300), stoppedAt: at(base + 320) });
    await seedRunMetrics(pipeline, dearer, { [RUN_COST_METRIC]: 2.0 });
    await evaluate([dearer.id]);
    const fired = await sql<{ rule_id: number }>("SELECT rule_id FROM alert WHERE run_id = $1 ORDER BY rule_id", [
      dearer.id,
    ]);
    expect(fired.map((r) => r.rule_id)).toEqual([cost.id]);
    expect(fired.map((r) => r.rule_id)).not.toContain(anyMetric.id);
  });
});
