/**
 * Retention against a real Postgres, in a database of its own (retention deletes by age whatever the
 * rows are, and the sync's own pruning would touch ours: neither may meet another test file's rows),
 * at fixed instants: old rows of each table go, recent ones stay; the hook runs at most once per
 * interval and never while another instance holds the retention lock.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "@/lib/db/migrate";
import { applyRetention, createRetentionHook, retentionSettings } from "./retention";

let pool: pg.Pool;
let dropDatabase: () => Promise<void>;

beforeAll(async () => {
  const server = new URL(process.env.DATABASE_URL ?? "");
  const name = `stepwise_retention_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  await migrate({ databaseUrl: url.toString() });
  pool = new pg.Pool({ connectionString: url.toString(), max: 3 });
  dropDatabase = async () => {
    // pool.end() resolves before its clients' connections have closed; a backend still open when the FORCE drop
    // below terminates it sends its client a FATAL error, which an ended pool re-emits with no listener: an
    // uncaught exception that failed the whole unit run (clean-clone CI, PostgreSQL 15). Wait for every client.
    const open = pool.totalCount;
    const closed = new Promise<void>((resolve) => {
      let removed = 0;
      if (open === 0) resolve();
      pool.on("remove", () => {
        removed += 1;
        if (removed === open) resolve();
      });
    });
    await pool.end();
    await closed;
    const c = new pg.Client({ connectionString: server.toString() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
});

const sql = async <T extends pg.QueryResultRow>(text: string, params: unknown[] = []) =>
  (await pool.query<T>(text, params)).rows;

const NOW = Date.UTC(2020, 0, 1);
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "");

async function seed(marker: string) {
  for (const [age, tag] of [
    [400, "old"],
    [300, "recent"],
  ] as const) {
    await sql(`INSERT INTO audit_log (at, via, action, outcome, details) VALUES ($1, 'test', $2, 'ok', '{}')`, [
      iso(NOW - age * DAY),
      `${marker}.${tag}`,
    ]);
  }
  for (const [age, tag] of [
    [15, "old"],
    [13, "recent"],
  ] as const) {
    await sql(`INSERT INTO ingested_event (id, source, detail_type, received_at) VALUES ($1, 'test', 't', $2)`, [
      `${marker}.${tag}`,
      iso(NOW - age * DAY),
    ]);
  }
  for (const [age, tag] of [
    [2, "old"],
    [0.5, "recent"],
  ] as const) {
    await sql(`INSERT INTO live_event (topic, kind, entity_id, created_at) VALUES ($1, 'run', 'x', $2)`, [
      `${marker}.${tag}`,
      iso(NOW - age * DAY),
    ]);
  }
}

async function left(marker: string) {
  const [audit, ingested, live] = await Promise.all([
    sql<{ action: string }>("SELECT action FROM audit_log WHERE action LIKE $1 ORDER BY action", [`${marker}.%`]),
    sql<{ id: string }>("SELECT id FROM ingested_event WHERE id LIKE $1 ORDER BY id", [`${marker}.%`]),
    sql<{ topic: string }>("SELECT topic FROM live_event WHERE topic LIKE $1 ORDER BY topic", [`${marker}.%`]),
  ]);
  return { audit: audit.map((r) => r.action), ingested: ingested.map((r) => r.id), live: live.map((r) => r.topic) };
}

const others: pg.Client[] = [];
afterAll(async () => {
  for (const client of others) await client.end();
  await dropDatabase();
});

describe("applyRetention", () => {
  it("deletes rows past each table's age in batches and keeps the rest", async () => {
    const marker = `retention-${randomUUID()}`;
    await seed(marker);
    const result = await applyRetention({ db: pool, now: NOW, settings: retentionSettings({}), batch: 1 });
    expect(result).toEqual({ auditLog: 1, ingestedEvent: 1, liveEvent: 1 });
    expect(await left(marker)).toEqual({
      audit: [`${marker}.recent`],
      ingested: [`${marker}.recent`],
      live: [`${marker}.recent`],
    });
  });

  it("takes its ages from the environment", () => {
    expect(retentionSettings({})).toEqual({ auditDays: 365, ingestedEventDays: 14, liveEventDays: 1 });
    expect(
      retentionSettings({
        AUDIT_RETENTION_DAYS: "90",
        INGESTED_EVENT_RETENTION_DAYS: "2",
        LIVE_EVENT_RETENTION_DAYS: "0.5",
      }),
    ).toEqual({ auditDays: 90, ingestedEventDays: 2, liveEventDays: 0.5 });
    expect(() => retentionSettings({ AUDIT_RETENTION_DAYS: "forever" })).toThrow(/AUDIT_RETENTION_DAYS/);
  });
});

describe("the sync worker's retention hook", () => {
  it("runs once per interval, and not while another instance holds the retention lock", async () => {
    let clock = NOW;
    const hook = createRetentionHook({ db: pool, now: () => clock, intervalMs: 3_600_000 });
    const marker = `retention-${randomUUID()}`;
    await seed(marker);

    // Another instance is running retention: this one skips its turn.
    const other = new pg.Client({ connectionString: pool.options.connectionString });
    others.push(other);
    await other.connect();
    await other.query("SELECT pg_advisory_lock($1)", [0x5eed_a7e]);
    expect(await hook.maybeRun()).toBeNull();
    expect((await left(marker)).audit).toHaveLength(2);
    await other.query("SELECT pg_advisory_unlock($1)", [0x5eed_a7e]);

    clock += 3_600_000;
    expect(await hook.maybeRun()).not.toBeNull();
    expect((await left(marker)).audit).toEqual([`${marker}.recent`]);
    clock += 60_000;
    expect(await hook.maybeRun()).toBeNull();
  });
});
