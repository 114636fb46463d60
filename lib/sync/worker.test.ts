/**
 * Two sync workers on one database (each with its own pool, as two app instances would have): every source
 * is synced by exactly one of them (no execution described twice), and when the holder of a source dies
 * without releasing its lease, the other takes the source over once the lease expires.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import type { RunningEmulator } from "@/lib/emulator";
import type { PassSummary } from "./pass";
import { createTestSource, startTestEmulator } from "./test-support";
import { type SyncWorker, startSyncWorker } from "./worker";

let emus: RunningEmulator[] = [];
const workers: SyncWorker[] = [];

beforeAll(async () => {
  emus = await Promise.all([startTestEmulator({ backfillRuns: 6 }), startTestEmulator({ backfillRuns: 6 })]);
});
afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  for (const e of emus) await e.stop();
});

const until = async (check: () => boolean | Promise<boolean>) => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 25));
};

describe("sync workers", () => {
  it("split sources without duplicate work and fail over when one dies holding its leases", async () => {
    const sources = await Promise.all(emus.map((e) => createTestSource(e)));
    const keys = sources.map((s) => s.key);
    const passes: { worker: string; source: string; summary: PassSummary }[] = [];
    const start = (name: string) => {
      const w = startSyncWorker({
        databaseUrl: process.env.DATABASE_URL,
        instanceId: name,
        sourceKeys: keys,
        leaseSeconds: 3,
        tickSeconds: 0.1,
        upsertConfigured: false,
        onPass: (summary) => passes.push({ worker: name, source: summary.source, summary }),
      });
      workers.push(w);
      return w;
    };
    const a = start(`worker-a-${keys[0]}`);
    const b = start(`worker-b-${keys[0]}`);
    // Both sources fully synced (every backfilled run stored and complete).
    await until(async () => {
      const r = await pool.query(
        `SELECT count(*) FILTER (WHERE r.history_complete)::int AS done FROM run r JOIN pipeline p ON p.id = r.pipeline_id
          WHERE p.source_id = ANY($1::int[])`,
        [sources.map((s) => s.id)],
      );
      return r.rows[0].done === 12 && keys.every((k) => passes.some((p) => p.source === k));
    });
    // No duplicate work: each execution was described exactly once across both workers.
    for (const e of emus) {
      const calls = e.stats().calls;
      expect(calls["sfn:DescribeExecution"]).toBe(6);
    }
    // Each source was only ever synced by one worker so far.
    const owners = new Map<string, Set<string>>();
    for (const p of passes) owners.set(p.source, (owners.get(p.source) ?? new Set()).add(p.worker));
    for (const key of keys) expect(owners.get(key)?.size).toBe(1);

    // Kill the holder of the first source without releasing: the other worker takes over after expiry.
    const holder = a.held().includes(keys[0] as string) ? a : b;
    const survivor = holder === a ? b : a;
    await holder.stop({ releaseLeases: false });
    const row = await pool.query("SELECT lease_owner FROM aws_source WHERE key = $1", [keys[0]]);
    expect(row.rows[0].lease_owner).toBe(holder.id);
    const before = passes.length;
    // The dead worker may have held both sources; their leases expire one after the other, so wait until the
    // survivor has synced each of them.
    await until(() => keys.every((k) => passes.slice(before).some((p) => p.worker === survivor.id && p.source === k)));
    expect(survivor.held()).toEqual(expect.arrayContaining(keys));
    const owner = await pool.query("SELECT lease_owner FROM aws_source WHERE key = $1", [keys[0]]);
    expect(owner.rows[0].lease_owner).toBe(survivor.id);

    // A clean stop releases the leases.
    await survivor.stop();
    const released = await pool.query(
      "SELECT count(*)::int AS n FROM aws_source WHERE key = ANY($1) AND lease_owner IS NOT NULL",
      [keys],
    );
    expect(released.rows[0].n).toBe(0);
  });
});
