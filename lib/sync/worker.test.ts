/**
 * Sync workers on one database (each with its own pool, as two app instances would have):
 * - fair split: an instance alone takes every source; when a second one joins, each ends up with its
 *   share (ceil(sources / instances)) and every source stays synced; when one dies holding its leases, the
 *   survivor takes them all over once they expire;
 * - fencing: an instance whose lease is taken over in the middle of a pass writes nothing more — no run,
 *   event, step, job, live event, backoff row, counter or cursor — although its pass was still going.
 * Waits are "until a condition holds"; nothing asserts on timing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import type { RunningEmulator } from "@/lib/emulator";
import { createTestSource, dumpSource, startTestEmulator } from "./testing";
import { acquireLease, type SyncWorker, startSyncWorker } from "./worker";

let emus: RunningEmulator[] = [];
const workers: SyncWorker[] = [];

beforeAll(async () => {
  emus = await Promise.all([0, 1, 2, 3, 4].map(() => startTestEmulator({ backfillRuns: 3 })));
});
afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  for (const e of emus) await e.stop();
});

const until = async (check: () => boolean | Promise<boolean>) => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 25));
};

const completeRuns = async (sourceIds: number[]) => {
  const r = await pool.query(
    `SELECT count(*) FILTER (WHERE r.history_complete)::int AS done FROM run r JOIN pipeline p ON p.id = r.pipeline_id
      WHERE p.source_id = ANY($1::int[])`,
    [sourceIds],
  );
  return r.rows[0].done as number;
};

describe("sync workers", () => {
  it("split sources fairly between live instances and take over from a dead one", async () => {
    const fleet = emus.slice(0, 4);
    const sources = await Promise.all(fleet.map((e) => createTestSource(e)));
    const keys = sources.map((s) => s.key);
    const start = (name: string) => {
      const w = startSyncWorker({
        databaseUrl: process.env.DATABASE_URL,
        instanceId: `${name}-${keys[0]}`,
        sourceKeys: keys,
        leaseSeconds: 3,
        tickSeconds: 0.1,
        upsertConfigured: false,
      });
      workers.push(w);
      return w;
    };
    const a = start("worker-a");
    // Alone, an instance takes every source.
    await until(() => a.held().length === 4);
    const b = start("worker-b");
    // With two alive, each ends up with ceil(4 / 2) = 2: A hands two over after their pass, B takes them.
    await until(() => a.held().length === 2 && b.held().length === 2);
    expect([...a.held(), ...b.held()].sort()).toEqual([...keys].sort());
    const owners = await pool.query("SELECT lease_owner FROM aws_source WHERE key = ANY($1)", [keys]);
    expect(owners.rows.filter((r) => r.lease_owner === a.id)).toHaveLength(2);
    expect(owners.rows.filter((r) => r.lease_owner === b.id)).toHaveLength(2);
    // Every source is synced, whoever holds it.
    await until(async () => (await completeRuns(sources.map((s) => s.id))) === 12);

    // A dies holding its leases (no release): once they expire and its heartbeat is stale, B takes all four.
    await a.stop({ releaseLeases: false });
    await until(() => b.held().length === 4);
    const after = await pool.query("SELECT DISTINCT lease_owner FROM aws_source WHERE key = ANY($1)", [keys]);
    expect(after.rows).toEqual([{ lease_owner: b.id }]);

    // A clean stop releases the leases.
    await b.stop();
    const released = await pool.query(
      "SELECT count(*)::int AS n FROM aws_source WHERE key = ANY($1) AND lease_owner IS NOT NULL",
      [keys],
    );
    expect(released.rows[0].n).toBe(0);
  });

  it("fences every write: an instance whose lease was taken over mid-pass writes nothing more", async () => {
    const emu = emus[4] as RunningEmulator;
    const source = await createTestSource(emu);
    const other = `instance-b-${source.key}`;
    const snapshot = async () => {
      const dump = await dumpSource(source.id, { withIds: true, wallClock: true });
      const row = await pool.query(
        `SELECT cursors, last_sync_at, last_success_at, last_error, last_error_at FROM aws_source WHERE id = $1`,
        [source.id],
      );
      const extra = await pool.query(
        `SELECT (SELECT json_agg(b ORDER BY b.operation, b.object) FROM sync_backoff b WHERE b.source_id = $1) AS backoff,
                (SELECT count(*)::int FROM live_event e WHERE e.entity_id IN (
                   SELECT r.public_id FROM run r JOIN pipeline p ON p.id = r.pipeline_id WHERE p.source_id = $1)
                   OR e.entity_id IN (SELECT p.id::text FROM pipeline p WHERE p.source_id = $1)) AS live`,
        [source.id],
      );
      return { dump, source: row.rows[0], ...extra.rows[0] };
    };
    let writes = 0;
    let takenOver: Awaited<ReturnType<typeof snapshot>> | null = null;
    let refusedAfter = 0;
    const a = startSyncWorker({
      databaseUrl: process.env.DATABASE_URL,
      instanceId: `instance-a-${source.key}`,
      sourceKeys: [source.key],
      leaseSeconds: 30,
      tickSeconds: 0.1,
      upsertConfigured: false,
      listen: false,
      hooks: {
        async atWrite() {
          writes++;
          if (takenOver) {
            refusedAfter++;
            return;
          }
          if (writes !== 6) return;
          // Another instance takes the lease over (as after a long pause of this one): expire it, take it.
          await pool.query(
            "UPDATE aws_source SET lease_expires_at = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE id = $1",
            [source.id],
          );
          expect(await acquireLease(pool, source.id, other, 60)).not.toBeNull();
          takenOver = await snapshot();
          // This very write now runs after the takeover.
          refusedAfter++;
        },
      },
    });
    workers.push(a);
    await until(() => takenOver !== null && a.held().length === 0);
    await a.stop();
    // The pass went on writing after the takeover (it had not noticed: its lease had not lapsed locally), then
    // flushed its live changes and counters as a pass does when it stops; all of that was refused.
    expect(refusedAfter).toBeGreaterThan(0);
    const now = await snapshot();
    expect(now).toEqual(takenOver);
    // The takeover is B's: A released nothing of it on stop.
    const owner = await pool.query("SELECT lease_owner FROM aws_source WHERE id = $1", [source.id]);
    expect(owner.rows[0].lease_owner).toBe(other);
  });
});
