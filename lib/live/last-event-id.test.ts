/**
 * What a stream does with the id a client says it saw last (`Last-Event-ID` on an EventSource reconnect, or
 * `?lastEventId=` from a page that states its as-of id), through the real /api/live route and Postgres:
 * a real id replays what the client missed; anything that is not a decimal id is ignored (no replay, no resync,
 * no failed statement); an id the feed never issued — a client of a database that was restored or reset — gets a
 * resync rather than a stream that silently drops every event numbered below it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET as live } from "@/app/api/live/route";
import { createTestSession, createTestUser } from "@/lib/auth/testing";
import { pool } from "@/lib/db";
import { catchUpVerdict, ensureListening, stopHub } from "./hub";
import { LIVE_CHANNEL } from "./notify";
import { liveStreamStats } from "./streams";

const decoder = new TextDecoder();
const open: AbortController[] = [];
let cookie = "";

beforeAll(async () => {
  await ensureListening();
  const { user } = await createTestUser();
  cookie = (await createTestSession({ userId: user.id })).cookie;
});
afterEach(async () => {
  for (const abort of open.splice(0)) abort.abort();
  await expect.poll(() => liveStreamStats().streams).toBe(0);
});
afterAll(() => stopHub());

const topic = () => `run:lastid${Math.random().toString(36).slice(2, 10)}`;

/** What the sync does: a row in live_event, then a NOTIFY. */
async function publish(topicName: string, entity: string): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    "INSERT INTO live_event (topic, kind, entity_id, version) VALUES ($1, 'run', $2, 1) RETURNING id::text",
    [topicName, entity],
  );
  await pool.query("SELECT pg_notify($1, $2)", [LIVE_CHANNEL, JSON.stringify({ n: 1 })]);
  return Number(rows[0]?.id);
}

async function connect(topicName: string, lastEventId: { query?: string; header?: string }) {
  const abort = new AbortController();
  open.push(abort);
  const query = lastEventId.query === undefined ? "" : `&lastEventId=${encodeURIComponent(lastEventId.query)}`;
  const headers: Record<string, string> = { cookie };
  if (lastEventId.header !== undefined) headers["last-event-id"] = lastEventId.header;
  const response = await live(
    new Request(`http://localhost/api/live?topics=${topicName}${query}`, { headers, signal: abort.signal }),
  );
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let text = "";
  return {
    close: () => abort.abort(),
    /** Everything sent once `until` appears. */
    async read(until: string) {
      while (!text.includes(until)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      return text;
    },
  };
}

/** The frames' event names and their `id` (data's entity id for changes), in order. */
const frames = (text: string) =>
  text
    .split("\n\n")
    .filter((f) => f.includes("event: "))
    .map((f) => {
      const name = f.match(/event: (\w+)/)?.[1];
      const id = f.match(/"id":"([^"]+)"/)?.[1];
      return name === "change" ? `change ${id}` : name;
    });

describe("the stream's last event id", () => {
  it("replays what a real id missed before saying ready, from the query or the header", async () => {
    const t = topic();
    const first = await publish(t, "a");
    await publish(t, "b");
    const byQuery = await connect(t, { query: String(first) });
    expect(frames(await byQuery.read("event: ready"))).toEqual(["change b", "ready"]);
    const byHeader = await connect(t, { header: String(first - 1) });
    expect(frames(await byHeader.read("event: ready"))).toEqual(["change a", "change b", "ready"]);
  });

  it("ignores an id that is not a decimal id: no replay, no resync, and later events still arrive", async () => {
    const t = topic();
    await publish(t, "before");
    const hostile = ["abc", "-5", "1e3", "12.5", "0x10", "+7", "7 8", "1234567890123456789", "NaN", "Infinity", ""];
    for (const value of hostile) {
      for (const where of ["query", "header"] as const) {
        const stream = await connect(t, { [where]: value });
        expect(frames(await stream.read("event: ready")), `${where} ${JSON.stringify(value)}`).toEqual(["ready"]);
        stream.close(); // one user's streams are capped
      }
    }
    const stream = await connect(t, { query: "abc" });
    await stream.read("event: ready");
    await publish(t, "after");
    expect(frames(await stream.read('"id":"after"'))).toEqual(["ready", "change after"]);
  });

  it("answers an id the feed never issued with a resync, and still delivers what comes next", async () => {
    const t = topic();
    const newest = await publish(t, "old");
    for (const future of [String(newest + 1_000_000), "999999999999999999"]) {
      const stream = await connect(t, { header: future });
      expect(frames(await stream.read("event: ready"))).toEqual(["resync", "ready"]);
      stream.close();
    }
    const stream = await connect(t, { query: String(newest + 1_000_000) });
    await stream.read("event: ready");
    await publish(t, "new");
    expect(frames(await stream.read('"id":"new"'))).toEqual(["resync", "ready", "change new"]);
  });
});

/**
 * Ids are taken when a row is inserted and seen when its transaction commits, so two writers can commit out of
 * order: the sync's batch takes id n, a model-card write takes n+1 and commits first. A feed read only past the
 * highest id it saw skipped n for good, and the page stayed on its old data (e2e live.spec went red on it).
 */
describe("an event committed after a later one", () => {
  /** Holds an event's id in an open transaction; `commit` makes it visible and NOTIFYs, as the sync's sink does. */
  async function inFlight(topicName: string, entity: string) {
    const client = await pool.connect();
    await client.query("BEGIN");
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO live_event (topic, kind, entity_id, version) VALUES ($1, 'run', $2, 1) RETURNING id::text",
      [topicName, entity],
    );
    await client.query("SELECT pg_notify($1, $2)", [LIVE_CHANNEL, JSON.stringify({ n: 1 })]);
    return {
      id: Number(rows[0]?.id),
      async commit() {
        try {
          await client.query("COMMIT");
        } finally {
          client.release();
        }
      },
    };
  }

  /** Each change frame's entity and its SSE `id:` line (null when the frame has none). */
  const changeIds = (text: string) =>
    text
      .split("\n\n")
      .filter((f) => f.includes("event: change"))
      .map((f) => [f.match(/"id":"([^"]+)"/)?.[1], f.match(/^id: (\d+)$/m)?.[1] ?? null]);

  it("still reaches an open stream, without moving the stream's last event id back", async () => {
    const t = topic();
    const stream = await connect(t, {});
    await stream.read("event: ready");
    const early = await inFlight(t, "early");
    const late = await publish(t, "late");
    expect(late).toBeGreaterThan(early.id);
    await stream.read('"id":"late"');
    await early.commit();
    // The frame carries no id: a client reconnecting after it says it saw `late`, not `early`.
    expect(changeIds(await stream.read('"id":"early"'))).toEqual([
      ["late", String(late)],
      ["early", null],
    ]);
  });

  it("is replayed to a client reconnecting from the later event's id", async () => {
    const t = topic();
    const watcher = await connect(t, {});
    const tab = await connect(t, {});
    await watcher.read("event: ready");
    await tab.read("event: ready");
    const early = await inFlight(t, "early");
    const late = await publish(t, "late");
    await tab.read('"id":"late"');
    tab.close(); // the tab's connection drops after `late` …
    await early.commit(); // … and `early` commits while it is away.
    await watcher.read('"id":"early"');
    const back = await connect(t, { header: String(late) });
    expect(frames(await back.read("event: ready"))).toEqual(["change early", "ready"]);
  });
});

describe("catchUpVerdict", () => {
  const window = { min: 100, oldestOk: 100, lastIssued: 120 };
  it("replays within what the feed holds", () => {
    expect(catchUpVerdict({ afterId: 99, ...window })).toBe("replay");
    expect(catchUpVerdict({ afterId: 110, ...window })).toBe("replay");
    expect(catchUpVerdict({ afterId: 120, ...window })).toBe("replay");
  });
  it("asks for a resync when the gap reaches past the oldest event or the window", () => {
    expect(catchUpVerdict({ afterId: 98, ...window })).toBe("resync");
    expect(catchUpVerdict({ afterId: 104, min: 100, oldestOk: 110, lastIssued: 120 })).toBe("resync");
  });
  it("asks for a resync for an id never issued", () => {
    expect(catchUpVerdict({ afterId: 121, ...window })).toBe("resync");
    expect(catchUpVerdict({ afterId: 1, min: null, oldestOk: null, lastIssued: null })).toBe("resync");
  });
  it("asks for a resync when every event after the id was pruned, and replays nothing when none was issued", () => {
    expect(catchUpVerdict({ afterId: 110, min: null, oldestOk: null, lastIssued: 120 })).toBe("resync");
    expect(catchUpVerdict({ afterId: 120, min: null, oldestOk: null, lastIssued: 120 })).toBe("replay");
    expect(catchUpVerdict({ afterId: 0, min: null, oldestOk: null, lastIssued: null })).toBe("replay");
  });
});
