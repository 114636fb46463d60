/**
 * Live updates: latency from a committed change in Postgres to the browser's
 * DOM (an EventSource handler writes it into the page; a MutationObserver stamps
 * it), on one instance and across two instances, beside a raw LISTEN round trip
 * measured in the same run; and the memory and CPU of one instance holding
 * 1,000 concurrent SSE streams (an instance started for that measurement alone).
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { chromium } from "@playwright/test";
import pg from "pg";
import { CHROMIUM_ARGS, chromiumPath } from "@/lib/chromium";
import { type RunningApp, signedInContext, startBenchApp } from "../lib/app";
import { summarise } from "../lib/stats";
import type { BenchContext, BenchModule, Measurement } from "../lib/types";

const CHANNEL = "stepwise_live";

async function commit(client: pg.Client, topic: string, id: string): Promise<void> {
  await client.query("BEGIN");
  await client.query("INSERT INTO live_event (topic, kind, entity_id, version) VALUES ($1, 'run', $2, 1)", [topic, id]);
  await client.query(`SELECT pg_notify('${CHANNEL}', '{}')`);
  await client.query("COMMIT");
}

/** commit → DOM latency samples (ms) for a browser connected to `app`. */
async function domLatency(ctx: BenchContext, app: RunningApp, samples: number): Promise<number[]> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS],
  });
  const client = new pg.Client({ connectionString: ctx.databaseUrl });
  await client.connect();
  try {
    const context = await signedInContext(browser, app);
    const page = await context.newPage();
    await page.goto(`${app.baseUrl}/api/health`);
    const topic = `run:bench${Date.now().toString(36)}`;
    await page.evaluate((topic) => {
      const w = window as unknown as { arrivals: Record<string, number>; ready: boolean };
      w.arrivals = {};
      const target = document.createElement("div");
      document.body.append(target);
      new MutationObserver(() => {
        const id = target.textContent ?? "";
        w.arrivals[id] = Date.now();
      }).observe(target, { childList: true, characterData: true, subtree: true });
      const source = new EventSource(`/api/live?topics=${topic}`);
      source.addEventListener("ready", () => {
        w.ready = true;
      });
      source.addEventListener("change", (event) => {
        target.textContent = JSON.parse((event as MessageEvent).data).id;
      });
    }, topic);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const id = `s${i}`;
      const sent = Date.now();
      await commit(client, topic, id);
      const arrived = await page.waitForFunction(
        (id) => (window as unknown as { arrivals: Record<string, number> }).arrivals[id] ?? null,
        id,
        { timeout: 10_000 },
      );
      out.push(Number(await arrived.jsonValue()) - sent);
      await new Promise((r) => setTimeout(r, 20));
    }
    return out;
  } finally {
    await client.end();
    await browser.close();
  }
}

/** A raw LISTEN/NOTIFY round trip on the same database: the floor under the live path. */
async function rawListen(ctx: BenchContext, samples: number): Promise<number[]> {
  const listener = new pg.Client({ connectionString: ctx.databaseUrl });
  const sender = new pg.Client({ connectionString: ctx.databaseUrl });
  await Promise.all([listener.connect(), sender.connect()]);
  try {
    await listener.query("LISTEN bench_raw");
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const received = new Promise<number>((resolve) =>
        listener.once("notification", () => resolve(performance.now())),
      );
      const sent = performance.now();
      await sender.query("SELECT pg_notify('bench_raw', 'x')");
      out.push((await received) - sent);
    }
    return out;
  } finally {
    await Promise.all([listener.end(), sender.end()]);
  }
}

function serverPid(port: number): number | null {
  const out = execFileSync("ss", ["-Hltnp", `( sport = :${port} )`], { encoding: "utf8" });
  const match = /pid=(\d+)/.exec(out);
  return match ? Number(match[1]) : null;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Streams per bench user: under the per-user cap (STEPWISE_LIVE_MAX_PER_USER, default 20). */
const STREAMS_PER_USER = 20;

/** Read-only API tokens of `count` bench users, so 1,000 streams stay under the per-user cap. */
async function fanOutTokens(ctx: BenchContext, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const userId = `bench-fan-${i}`;
    await ctx.pool.query(`INSERT INTO "user" (id, email, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
      userId,
      `${userId}@stepwise.local`,
      `Bench fan-out ${i}`,
    ]);
    const token = `sw_${randomBytes(24).toString("base64url")}`;
    await ctx.pool.query(
      `INSERT INTO api_token (id, user_id, name, prefix, token_hash, can_write, expires_at)
       VALUES ($1, $2, 'bench fan-out', $3, $4, false, now() + interval '1 day')`,
      [
        `bench-fan-${randomBytes(6).toString("hex")}`,
        userId,
        token.slice(0, 10),
        createHash("sha256").update(token).digest("hex"),
      ],
    );
    tokens.push(token);
  }
  return tokens;
}

/** Opens `count` live streams (`tokens` in turn, STREAMS_PER_USER each) and resolves once each has sent a byte. */
async function openStreams(port: number, tokens: string[], count: number, agent: http.Agent) {
  const requests: http.ClientRequest[] = [];
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          const request = http.get(
            {
              host: "127.0.0.1",
              port,
              path: `/api/live?topics=run:fan${i},pipelines`,
              headers: { authorization: `Bearer ${tokens[Math.floor(i / STREAMS_PER_USER)]}` },
              agent,
            },
            (response) => {
              if (response.statusCode !== 200) reject(new Error(`stream ${i}: ${response.statusCode}`));
              response.once("data", () => resolve());
            },
          );
          request.on("error", reject);
          requests.push(request);
        }),
    ),
  );
  return requests;
}

/**
 * The memory and CPU of `streams` streams on an instance of their own, started for this measurement: the RSS of
 * an instance that has served the rest of the bench moves with where its garbage collector stands (a process
 * that had just served series requests read −35 to −111 MB "extra" for 1,000 streams). The instance first
 * serves and closes one user's streams, so loading the route's code is not counted as the streams' memory.
 */
async function sseFanOut(ctx: BenchContext, streams: number): Promise<Measurement[]> {
  const tokens = await fanOutTokens(ctx, Math.ceil(streams / STREAMS_PER_USER));
  const app = await startBenchApp({ databaseUrl: ctx.databaseUrl, pool: ctx.pool, log: ctx.log });
  try {
    const port = Number(new URL(app.baseUrl).port);
    const pid = serverPid(port);
    if (!pid) return [];
    const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
    const warm = await openStreams(port, tokens, STREAMS_PER_USER, agent);
    for (const request of warm) request.destroy();
    await new Promise((r) => setTimeout(r, 3_000));
    const before = rssMb(pid);
    const requests = await openStreams(port, tokens, streams, agent);
    await new Promise((r) => setTimeout(r, 3_000));
    const cpu0 = cpuSeconds(pid);
    const holdSeconds = 30;
    await new Promise((r) => setTimeout(r, holdSeconds * 1000));
    const cpu = ((cpuSeconds(pid) - cpu0) / holdSeconds) * 100;
    const after = rssMb(pid);
    for (const request of requests) request.destroy();
    agent.destroy();
    return [
      {
        name: `SSE fan-out: extra memory with ${streams} concurrent streams (one instance)`,
        unit: "MB",
        value: after - before,
        target: "1,000 streams on one instance, ≤ 100 MB extra memory",
        met: after - before <= 100,
        notes: `an instance of its own, warmed by ${STREAMS_PER_USER} streams opened and closed; server RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB; ${tokens.length} users × ${STREAMS_PER_USER} streams (per-user cap); CPU while holding them (one shared timer: heartbeats + one credential check per tick): ${cpu.toFixed(1)} % of one core`,
      },
    ];
  } finally {
    await app.stop();
  }
}

export const live: BenchModule = {
  name: "live",
  async run(ctx) {
    const samples = ctx.scale === "quick" ? 40 : 200;
    const app = await ctx.app();
    const raw = summarise(await rawListen(ctx, samples));
    const rawRatio = (p50: number) => ({
      value: p50 / raw.p50,
      baseline: `raw LISTEN round trip (p50 ${raw.p50.toFixed(2)} ms)`,
    });
    const one = summarise(await domLatency(ctx, app, samples));
    const out: Measurement[] = [
      {
        name: "live latency, DB commit → browser DOM (one instance)",
        unit: "ms",
        summary: one,
        target: "p95 ≤ 250 ms",
        met: one.p95 <= 250,
        ratio: rawRatio(one.p50),
      },
    ];
    const second = await startBenchApp({ databaseUrl: ctx.databaseUrl, pool: ctx.pool, log: ctx.log });
    try {
      const two = summarise(await domLatency(ctx, second, samples));
      out.push({
        name: "live latency, DB commit → browser DOM (second instance)",
        unit: "ms",
        summary: two,
        target: "p95 ≤ 500 ms across two instances",
        met: two.p95 <= 500,
        ratio: rawRatio(two.p50),
        notes: "the change is committed through Postgres and the browser is connected to another app process",
      });
    } finally {
      await second.stop();
    }
    out.push(...(await sseFanOut(ctx, 1_000)));
    return out;
  },
};
