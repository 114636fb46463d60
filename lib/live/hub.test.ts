import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import {
  advanceFeed,
  CATCH_UP_WINDOW_MS,
  catchUp,
  dropListenConnectionForTest,
  ensureListening,
  type Feed,
  GAP_WAIT_MS,
  type LiveEvent,
  liveStats,
  MAX_GAPS,
  stopHub,
  subscribe,
} from "./hub";
import { LIVE_CHANNEL } from "./notify";
import { parseTopics } from "./topics";

const unique = () => Math.random().toString(36).slice(2, 10);

/** What the sync does: rows in live_event, then one NOTIFY for the batch. */
async function publish(changes: { topic: string; kind?: string; id?: string; version?: number }[]): Promise<number[]> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO live_event (topic, kind, entity_id, version)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) RETURNING id::text`,
    [
      changes.map((c) => c.topic),
      changes.map((c) => c.kind ?? "run"),
      changes.map((c) => c.id ?? "1"),
      changes.map((c) => c.version ?? 1),
    ],
  );
  await pool.query("SELECT pg_notify($1, $2)", [LIVE_CHANNEL, JSON.stringify({ n: rows.length })]);
  return rows.map((r) => Number(r.id));
}

function collector() {
  const events: LiveEvent[] = [];
  const resyncs: string[] = [];
  const waiters: (() => void)[] = [];
  return {
    events,
    resyncs,
    listener: {
      onChange: (e: LiveEvent) => {
        events.push(e);
        for (const w of waiters.splice(0)) w();
      },
      onResync: (r: string) => {
        resyncs.push(r);
        for (const w of waiters.splice(0)) w();
      },
    },
    async until(predicate: () => boolean, what: string) {
      const deadline = Date.now() + 10_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

describe("live hub (LISTEN/NOTIFY → subscribers)", () => {
  beforeAll(() => ensureListening());
  afterAll(() => stopHub());

  it("delivers only the subscribed topics, in order, with ids and versions", async () => {
    const run = `run:${unique()}`;
    const other = `run:${unique()}`;
    const c = collector();
    const unsubscribe = subscribe([run], c.listener);
    const ids = await publish([
      { topic: run, kind: "run", id: "r1", version: 2 },
      { topic: other, kind: "run", id: "x" },
      { topic: run, kind: "step", id: "r1", version: 3 },
    ]);
    await c.until(() => c.events.length >= 2, "two events");
    unsubscribe();
    expect(c.events).toEqual([
      { eventId: ids[0], topic: run, kind: "run", id: "r1", version: 2 },
      { eventId: ids[2], topic: run, kind: "step", id: "r1", version: 3 },
    ]);
  });

  it("reconnects after the LISTEN connection is killed, tells subscribers to resync, and keeps delivering", async () => {
    const topic = `pipeline:${Math.floor(Math.random() * 1e6)}`;
    const c = collector();
    const unsubscribe = subscribe([topic], c.listener);
    await dropListenConnectionForTest();
    await c.until(() => c.resyncs.length > 0, "resync after reconnect");
    await publish([{ topic, kind: "pipeline", id: "7" }]);
    await c.until(() => c.events.length > 0, "event after reconnect");
    unsubscribe();
    expect(c.resyncs).toEqual(["reconnected"]);
    expect(c.events.map((e) => e.id)).toEqual(["7"]);
    expect(liveStats().connected).toBe(true);
  });

  it("leaves no listener behind after thousands of subscribe/unsubscribe cycles", () => {
    const baseline = liveStats();
    for (let i = 0; i < 2000; i++) {
      const off = subscribe([`run:${i}`, "pipelines", `pipeline:${i % 7}`], { onChange() {}, onResync() {} });
      off();
    }
    expect(liveStats()).toMatchObject({ listeners: baseline.listeners, topics: baseline.topics });
  });

  it("catches up after a reconnect from Last-Event-ID, and asks for a resync when the gap is too old", async () => {
    const topic = `run:${unique()}`;
    const [first, second] = await publish([
      { topic, id: "a" },
      { topic, id: "b" },
    ]);
    const missed = await catchUp((first ?? 0) - 1, [topic]);
    expect(missed !== "resync" && missed.map((e) => [e.eventId, e.id])).toEqual([
      [first, "a"],
      [second, "b"],
    ]);
    const afterFirst = await catchUp(first ?? 0, [topic]);
    expect(afterFirst !== "resync" && afterFirst.map((e) => e.id)).toEqual(["b"]);
    expect(await catchUp(-5, [topic])).toBe("resync");
  });
});

describe("advanceFeed (ids read out of commit order)", () => {
  const feed = (lastId: bigint): Feed => ({ lastId, gaps: new Map(), late: new Map() });
  const ids = (...values: number[]) => values.map(BigInt);
  const sorted = (set: Set<bigint> | Map<bigint, number>) => [...set.keys()].map(Number).sort((a, b) => a - b);

  it("reads contiguous ids as new and remembers no gap", () => {
    const f = feed(10n);
    expect(sorted(advanceFeed(f, ids(11, 12, 13), 0))).toEqual([11, 12, 13]);
    expect(f.lastId).toBe(13n);
    expect(f.gaps.size).toBe(0);
  });

  it("remembers skipped ids and delivers each once when it commits late", () => {
    const f = feed(10n);
    expect(sorted(advanceFeed(f, ids(13), 1_000))).toEqual([13]);
    expect(sorted(f.gaps)).toEqual([11, 12]);
    // 12 commits: new, and remembered as late for clients catching up from 13.
    expect(sorted(advanceFeed(f, ids(12, 14), 2_000))).toEqual([12, 14]);
    expect(sorted(f.gaps)).toEqual([11]);
    expect(sorted(f.late)).toEqual([12]);
    // Read again (a second NOTIFY racing the first): nothing is new twice.
    expect(sorted(advanceFeed(f, ids(12, 13, 14), 3_000))).toEqual([]);
  });

  it("forgets a gap after GAP_WAIT_MS (a rolled-back id) and a late id after the catch-up window", () => {
    const f = feed(10n);
    advanceFeed(f, ids(12), 0);
    advanceFeed(f, ids(14), GAP_WAIT_MS / 2);
    expect(sorted(f.gaps)).toEqual([11, 13]);
    advanceFeed(f, ids(13), GAP_WAIT_MS);
    expect(sorted(f.gaps)).toEqual([11]);
    advanceFeed(f, [], GAP_WAIT_MS + 1);
    expect(sorted(f.gaps)).toEqual([]);
    // 11 turning up after all is not new: the feed stopped looking for it.
    expect(sorted(advanceFeed(f, ids(11), GAP_WAIT_MS + 2))).toEqual([]);
    expect(sorted(f.late)).toEqual([13]);
    advanceFeed(f, [], GAP_WAIT_MS + CATCH_UP_WINDOW_MS + 1);
    expect(f.late.size).toBe(0);
  });

  it("does not track a jump wider than MAX_GAPS, and keeps at most MAX_GAPS gaps", () => {
    const f = feed(0n);
    advanceFeed(f, ids(MAX_GAPS + 2), 0);
    expect(f.gaps.size).toBe(0);
    for (let i = 1; i <= 3; i++) advanceFeed(f, [f.lastId + BigInt(MAX_GAPS / 2 + 1)], i);
    expect(f.gaps.size).toBe(MAX_GAPS);
    // The oldest were dropped first.
    expect(Math.min(...sorted(f.gaps))).toBe(MAX_GAPS + 2 + MAX_GAPS / 2 + 2);
  });
});

describe("parseTopics", () => {
  it("accepts the documented topics and rejects anything else with a message", () => {
    expect(parseTopics("pipelines,run:Ab_1-x,pipeline:12,model:3,run:Ab_1-x")).toEqual({
      topics: ["pipelines", "run:Ab_1-x", "pipeline:12", "model:3"],
    });
    expect(parseTopics(null)).toHaveProperty("error");
    expect(parseTopics("runs:1")).toEqual({ error: expect.stringContaining('unknown topic "runs:1"') });
    expect(parseTopics("pipeline:abc")).toHaveProperty("error");
    expect(parseTopics(Array.from({ length: 51 }, (_, i) => `run:${i}`).join(","))).toHaveProperty("error");
  });
});
