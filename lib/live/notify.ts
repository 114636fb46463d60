/**
 * The change sink behind the live view: changes collected during a sync step are de-duplicated, written to
 * `live_event` in one INSERT, and announced with ONE `pg_notify('stepwise_live', …)` per batch carrying only
 * live_event ids ({"first":a,"last":b} when contiguous, else {"ids":[…]}), well under NOTIFY's 8000-byte
 * payload limit. Listeners (hub.ts) read the rows by id. The sync and the model-card writes both use it. NOTIFY is transactional: it is sent on commit.
 * A batch is written in its own transaction after the changes it announces have committed: pages state the
 * highest live_event id their snapshot saw as their as-of point (lib/runs/queries.ts), which relies on it.
 */
import "server-only";
import type pg from "pg";
import { pool as defaultPool, transaction } from "@/lib/db";

/** The one NOTIFY channel of the live feed (lib/live/hub.ts LISTENs on it). */
export const LIVE_CHANNEL = "stepwise_live";

/**
 * A change the UI should see. Topics: "pipelines", "pipeline:<pipelineId>",
 * "run:<run publicId>", "model:<modelGroupId>". Only ids travel, never data.
 */
export type Change = {
  topic: string;
  kind: "pipeline" | "run" | "step" | "job" | "metric" | "model";
  id: string;
  version?: number;
};

export interface ChangeSink {
  add(change: Change): void;
  /** Writes the batch to the live_event feed and sends one NOTIFY per batch. */
  flush(): Promise<void>;
}

/** Changes per INSERT + NOTIFY; 400 ids of ≤ 12 digits keep the payload under ~5.2 kB even as a list. */
const BATCH = 400;
const PRUNE_EVERY_MS = 5 * 60_000;
const KEEP = "1 hour";

let lastPrune = 0;

export type LivePayload = { first: number; last: number } | { ids: number[] };

export function encodePayload(ids: number[]): string {
  const sorted = [...ids].sort((a, b) => a - b);
  const first = sorted[0] ?? 0;
  const last = sorted.at(-1) ?? 0;
  const payload: LivePayload = last - first + 1 === sorted.length ? { first, last } : { ids: sorted };
  return JSON.stringify(payload);
}

/**
 * `fence`, when given, runs first in each batch's transaction (the sync's lease check): a pass whose lease
 * was taken over announces nothing more.
 */
export function createChangeSink(
  db: pg.Pool = defaultPool,
  fence?: (client: pg.PoolClient) => Promise<void>,
): ChangeSink & { pending(): number } {
  let changes = new Map<string, Change>();
  return {
    add(change) {
      const key = `${change.topic}\u0000${change.kind}\u0000${change.id}`;
      const previous = changes.get(key);
      if (!previous || (change.version ?? 0) >= (previous.version ?? 0)) changes.set(key, change);
    },
    pending: () => changes.size,
    async flush() {
      if (changes.size === 0) return;
      const all = [...changes.values()];
      changes = new Map();
      for (let i = 0; i < all.length; i += BATCH) {
        const batch = all.slice(i, i + BATCH);
        await transaction(async (client) => {
          if (fence) await fence(client);
          const { rows } = await client.query<{ id: string }>(
            `INSERT INTO live_event (topic, kind, entity_id, version, created_at)
             SELECT t, k, e, v, now() AT TIME ZONE 'UTC'
               FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS x(t, k, e, v)
             RETURNING id`,
            [
              batch.map((c) => c.topic),
              batch.map((c) => c.kind),
              batch.map((c) => c.id),
              batch.map((c) => c.version ?? 1),
            ],
          );
          await client.query("SELECT pg_notify($1, $2)", [LIVE_CHANNEL, encodePayload(rows.map((r) => Number(r.id)))]);
        }, db);
      }
      if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
        lastPrune = Date.now();
        await pruneLiveEvents(db);
      }
    },
  };
}

/** Drops live_event rows older than an hour (they only serve Last-Event-ID catch-up). */
export async function pruneLiveEvents(db: pg.Pool = defaultPool): Promise<number> {
  const r = await db.query(`DELETE FROM live_event WHERE created_at < (now() AT TIME ZONE 'UTC') - interval '${KEEP}'`);
  return r.rowCount ?? 0;
}
