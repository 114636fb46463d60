import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import {
  catchUp,
  dropListenConnectionForTest,
  ensureListening,
  type LiveEvent,
  liveStats,
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
