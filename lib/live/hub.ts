import "server-only";
/**
 * The per-instance end of live updates. One dedicated Postgres connection
 * LISTENs on `stepwise_live`; a NOTIFY only wakes it up, and the changes
 * themselves are read from the `live_event` table by id (so a payload lost or
 * coalesced by Postgres costs nothing, and reconnecting clients can catch up
 * from the same table by Last-Event-ID). Subscribers are SSE streams of this
 * process, indexed by topic.
 *
 * After the LISTEN connection drops (e.g. a Postgres restart) it reconnects
 * with backoff, reads what it missed, and tells every subscriber to resync,
 * because a restarted database may have lost the tail of the feed.
 *
 * Ids are taken at insert and seen at commit, so writers can commit out of order: the feed reads past the
 * highest id it has seen AND the ids it skipped (the gaps, `advanceFeed`), for GAP_WAIT_MS, so an event that
 * commits after a later one is still delivered. Ids filled that way are remembered for the catch-up window, and
 * a client catching up from a later id gets them too.
 */
import pg from "pg";
import { pool } from "@/lib/db";
import { logger } from "@/lib/log";
import { LIVE_CHANNEL } from "./notify";
import type { LiveChange } from "./topics";

/** Catch-up by Last-Event-ID is offered this far back; older gaps get a resync. */
export const CATCH_UP_WINDOW_MS = 10 * 60 * 1000;
/**
 * How long an id the feed skipped is looked for again: the change sink's transactions are short, so an id still
 * missing after this was rolled back (a permanent hole in the sequence).
 */
export const GAP_WAIT_MS = 60_000;
/** Skipped ids tracked at most; a jump wider than this (a rolled-back bulk insert, a setval) is not tracked. */
export const MAX_GAPS = 10_000;

export type LiveEvent = LiveChange & { eventId: number };
export type LiveListener = {
  onChange(event: LiveEvent): void;
  onResync(reason: string): void;
};

type LiveRow = { id: string; topic: string; kind: string; entity_id: string; version: number };

/** Where the instance's read of `live_event` stands. */
export type Feed = {
  /** The highest id read. */
  lastId: bigint;
  /** Ids below `lastId` not read yet (issued, not committed when a later one was read), with when first missed. */
  gaps: Map<bigint, number>;
  /** Gap ids read late, with when: a client catching up from a later id has not seen them. */
  late: Map<bigint, number>;
};

/**
 * Takes the ids one read returned (ascending: past `lastId`, or among the gaps) and answers which of them are
 * new to this instance; moves `lastId`, records the ids skipped below it, forgets gaps older than GAP_WAIT_MS
 * and late ids older than the catch-up window.
 */
export function advanceFeed(feed: Feed, ids: readonly bigint[], now: number): Set<bigint> {
  const fresh = new Set<bigint>();
  for (const id of ids) {
    if (id <= feed.lastId) {
      if (feed.gaps.delete(id)) {
        fresh.add(id);
        feed.late.set(id, now);
      }
      continue;
    }
    const skipped = id - feed.lastId - 1n;
    if (feed.lastId >= 0n && skipped > 0n && skipped <= BigInt(MAX_GAPS)) {
      for (let gap = feed.lastId + 1n; gap < id; gap++) feed.gaps.set(gap, now);
    }
    feed.lastId = id;
    fresh.add(id);
  }
  forgetOlder(feed.gaps, now - GAP_WAIT_MS, MAX_GAPS);
  forgetOlder(feed.late, now - CATCH_UP_WINDOW_MS, MAX_GAPS);
  return fresh;
}

/** Drops entries from before `cutoff`, then the oldest past `cap` (insertion order is time order). */
function forgetOlder(entries: Map<bigint, number>, cutoff: number, cap: number): void {
  for (const [id, since] of entries) {
    if (since >= cutoff && entries.size <= cap) break;
    entries.delete(id);
  }
}

type Hub = Feed & {
  byTopic: Map<string, Set<LiveListener>>;
  listeners: Set<LiveListener>;
  client: pg.Client | null;
  connecting: Promise<void> | null;
  reading: Promise<void> | null;
  readAgain: boolean;
  reconnectDelayMs: number;
  stopped: boolean;
  connectedOnce: boolean;
};

const holder = globalThis as typeof globalThis & { __stepwiseLiveHub?: Hub };

function hub(): Hub {
  holder.__stepwiseLiveHub ??= {
    byTopic: new Map(),
    listeners: new Set(),
    lastId: -1n,
    gaps: new Map(),
    late: new Map(),
    client: null,
    connecting: null,
    reading: null,
    readAgain: false,
    reconnectDelayMs: 250,
    stopped: false,
    connectedOnce: false,
  };
  return holder.__stepwiseLiveHub;
}

function toEvent(row: LiveRow): LiveEvent {
  return { eventId: Number(row.id), topic: row.topic, kind: row.kind, id: row.entity_id, version: row.version };
}

function dispatch(h: Hub, event: LiveEvent): void {
  const listeners = h.byTopic.get(event.topic);
  if (!listeners) return;
  for (const listener of listeners) listener.onChange(event);
}

/**
 * The instance's background reads (new live_event rows, the live streams' credential re-check) run on
 * the LISTEN connection while it is up, so they never wait for or take a request's pooled connection
 * (and the pool's statement count stays the requests' own); while it is down, on the pool.
 */
export async function hubQuery<Row extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<Row[]> {
  const client = hub().client;
  if (client) {
    try {
      return (await client.query<Row>(text, params)).rows;
    } catch (error) {
      // The connection died under the query: the pool answers this one; the hub reconnects by itself.
      if (hub().client === client && !isConnectionError(error)) throw error;
    }
  }
  return (await pool.query<Row>(text, params)).rows;
}

function isConnectionError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /Connection terminated|not queryable|ECONNRESET|ECONNREFUSED|terminating connection/i.test(message);
}

/** Reads every live_event after the last one seen and hands them to subscribers; calls coalesce. */
function readNew(h: Hub): Promise<void> {
  if (h.reading) {
    h.readAgain = true;
    return h.reading;
  }
  h.reading = (async () => {
    do {
      h.readAgain = false;
      if (h.lastId < 0n) {
        const rows = await hubQuery<{ max: string | null }>("SELECT max(id)::text AS max FROM live_event");
        h.lastId = BigInt(rows[0]?.max ?? "0");
        continue;
      }
      const rows = await hubQuery<LiveRow>(
        `SELECT id::text, topic, kind, entity_id, version FROM live_event
          WHERE id > $1 OR id = ANY($2::bigint[]) ORDER BY id LIMIT 10000`,
        [h.lastId.toString(), [...h.gaps.keys()].map(String)],
      );
      const fresh = advanceFeed(
        h,
        rows.map((row) => BigInt(row.id)),
        Date.now(),
      );
      for (const row of rows) if (fresh.has(BigInt(row.id))) dispatch(h, toEvent(row));
      if (rows.length === 10000) h.readAgain = true;
    } while (h.readAgain);
  })()
    .catch((error: unknown) => {
      logger.error({ error: error instanceof Error ? error.message : String(error) }, "reading live_event failed");
    })
    .finally(() => {
      h.reading = null;
    });
  return h.reading;
}

function scheduleReconnect(h: Hub): void {
  if (h.stopped) return;
  const delay = h.reconnectDelayMs;
  h.reconnectDelayMs = Math.min(h.reconnectDelayMs * 2, 10_000);
  setTimeout(() => void connect(h), delay).unref();
}

function connect(h: Hub): Promise<void> {
  if (h.connecting) return h.connecting;
  h.connecting = (async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: "stepwise-live" });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (h.client === client) h.client = null;
      if (error) logger.warn({ error: error.message }, "live LISTEN connection lost");
      client.end().catch(() => {});
      scheduleReconnect(h);
    };
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", () => void readNew(h));
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
    } catch (error) {
      onLost(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    h.client = client;
    h.reconnectDelayMs = 250;
    const reconnected = h.connectedOnce;
    h.connectedOnce = true;
    await readNew(h);
    if (reconnected) for (const listener of h.listeners) listener.onResync("reconnected");
  })().finally(() => {
    h.connecting = null;
  });
  return h.connecting;
}

/** Subscribes a listener to topics; returns the function that removes every trace of it. */
export function subscribe(topics: readonly string[], listener: LiveListener): () => void {
  const h = hub();
  h.stopped = false;
  if (!h.client && !h.connecting) void connect(h);
  h.listeners.add(listener);
  for (const topic of topics) {
    let set = h.byTopic.get(topic);
    if (!set) {
      set = new Set();
      h.byTopic.set(topic, set);
    }
    set.add(listener);
  }
  return () => {
    h.listeners.delete(listener);
    for (const topic of topics) {
      const set = h.byTopic.get(topic);
      if (!set) continue;
      set.delete(listener);
      if (set.size === 0) h.byTopic.delete(topic);
    }
  };
}

/**
 * Whether a client that saw event `afterId` last can be caught up from what `live_event` holds: `min` is its
 * oldest row, `oldestOk` its oldest row inside the catch-up window, `lastIssued` the id sequence's last value
 * (null when it never issued one). An id past `lastIssued` was never issued here — the client saw another
 * database, restored or reset — and one below the oldest row (or below every issued id when the table was pruned
 * empty) has a gap nobody can replay: both get a resync.
 */
export function catchUpVerdict(b: {
  afterId: number;
  min: number | null;
  oldestOk: number | null;
  lastIssued: number | null;
}): "replay" | "resync" {
  if (b.afterId > (b.lastIssued ?? 0)) return "resync";
  if (b.min === null) return b.lastIssued !== null && b.afterId < b.lastIssued ? "resync" : "replay";
  if (b.afterId < b.min - 1) return "resync";
  if (b.oldestOk !== null && b.afterId < b.oldestOk - 1) return "resync";
  return "replay";
}

/**
 * Events after `afterId` for these topics, or "resync" when the client's gap
 * reaches past what the feed still holds (or past the catch-up window), or the id was never issued.
 */
export async function catchUp(afterId: number, topics: readonly string[]): Promise<LiveEvent[] | "resync"> {
  const { rows: bounds } = await pool.query<{ min: string | null; oldest_ok: string | null; last: string | null }>(
    `SELECT min(id)::text AS min,
            min(id) FILTER (WHERE created_at >= now() - make_interval(secs => $1))::text AS oldest_ok,
            pg_sequence_last_value(pg_get_serial_sequence('live_event', 'id')::regclass)::text AS last
     FROM live_event`,
    [CATCH_UP_WINDOW_MS / 1000],
  );
  const num = (v: string | null | undefined) => (v ? Number(v) : null);
  const verdict = catchUpVerdict({
    afterId,
    min: num(bounds[0]?.min),
    oldestOk: num(bounds[0]?.oldest_ok),
    lastIssued: num(bounds[0]?.last),
  });
  if (verdict === "resync") return "resync";
  // Ids this instance read late (committed after a later one) and at or below `afterId`: the client may have
  // left before they came.
  const late = [...hub().late.keys()].filter((id) => id <= BigInt(afterId)).map(String);
  const { rows } = await pool.query<LiveRow>(
    `SELECT id::text, topic, kind, entity_id, version FROM live_event
     WHERE (id > $1 OR id = ANY($3::bigint[])) AND topic = ANY($2::text[]) ORDER BY id LIMIT 1000`,
    [afterId, topics, late],
  );
  if (rows.length === 1000) return "resync";
  return rows.map(toEvent);
}

/** The id of the newest event this instance has read (for tests and diagnostics). */
export function liveStats(): {
  listeners: number;
  topics: number;
  connected: boolean;
  lastEventId: number;
  gaps: number;
} {
  const h = hub();
  return {
    listeners: h.listeners.size,
    topics: h.byTopic.size,
    connected: h.client !== null,
    lastEventId: Number(h.lastId),
    gaps: h.gaps.size,
  };
}

/** Waits until the LISTEN connection is up (tests, start-up). */
export async function ensureListening(): Promise<void> {
  const h = hub();
  h.stopped = false;
  if (!h.client) await connect(h);
}

/** Drops the LISTEN connection as a Postgres restart would (tests); it reconnects by itself. */
export async function dropListenConnectionForTest(): Promise<void> {
  const client = hub().client;
  if (client) {
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    await pool.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
  }
}

export async function stopHub(): Promise<void> {
  const h = hub();
  h.stopped = true;
  const client = h.client;
  h.client = null;
  h.connectedOnce = false;
  await client?.end().catch(() => {});
}
