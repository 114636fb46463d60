/**
 * Small shared pieces of the emulator: JSON types, seeded randomness, the clock abstraction
 * (real time scaled by EMULATOR_TIME_SCALE, or a virtual clock for back-filled history), AWS-shaped
 * errors and opaque pagination tokens.
 */
import { createHash } from "node:crypto";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// Seeded randomness. Each consumer derives its own stream from (seed, label) so that adding a new
// consumer never shifts the numbers another one sees.

export interface Rng {
  next(): number;
  int(min: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  normal(): number;
  uuid(): string;
}

export function createRng(seed: string, label = ""): Rng {
  const h = createHash("sha256").update(`${seed}:${label}`).digest();
  let a = h.readUInt32LE(0);
  // mulberry32: tiny, fast and good enough for simulation noise.
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error("pick from empty list");
      return item;
    },
    chance: (p) => next() < p,
    normal: () => {
      const u = Math.max(next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    uuid: () => {
      const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
      hex[12] = "4";
      hex[16] = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
      const s = hex.join("");
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
  };
  return rng;
}

// ---------------------------------------------------------------------------------------------
// Clocks. Durations inside the emulator are always *simulated* milliseconds ("a 20-minute training
// job"); the clock decides how long that really takes.

export class AbortedError extends Error {
  constructor() {
    super("aborted");
    this.name = "AbortedError";
  }
}

export interface Clock {
  now(): number;
  sleep(simulatedMs: number, signal?: AbortSignal): Promise<void>;
  /** true for back-fill: nothing waits for real time and nothing may wait for a human. */
  readonly virtual: boolean;
}

export function realClock(timeScale: () => number): Clock {
  return {
    virtual: false,
    now: () => Date.now(),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(new AbortedError());
        const onAbort = () => {
          clearTimeout(timer);
          reject(new AbortedError());
        };
        const timer = setTimeout(
          () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
          Math.max(0, ms / Math.max(timeScale(), 1e-9)),
        );
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
  };
}

/**
 * A discrete-event clock: sleeping registers a timer and `run` jumps time to the earliest timer once
 * every coroutine is blocked (all microtasks drained). Lets back-fill run a 2-hour pipeline with
 * Parallel/Map concurrency in milliseconds while producing consistent past timestamps.
 */
export class VirtualClock implements Clock {
  readonly virtual = true;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;
  // Whole milliseconds, as AWS timestamps are.
  constructor(private t: number) {
    this.t = Math.round(t);
  }
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = Math.max(this.t, t);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.t + Math.max(0, Math.round(ms)), seq: this.seq++, resolve });
    });
  }
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const done = work.finally(() => {
      settled = true;
    });
    done.catch(() => undefined);
    while (!settled) {
      await new Promise<void>((r) => setImmediate(r));
      if (settled) break;
      this.timers.sort((x, y) => x.at - y.at || x.seq - y.seq);
      const next = this.timers.shift();
      if (!next) throw new Error("virtual clock deadlock: work is blocked on something other than time");
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    return done;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors in AWS's JSON-protocol shape: the SDK maps `__type` to its exception classes.

export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

// ---------------------------------------------------------------------------------------------
// Pagination with keyset cursors: a token names the sort key of the last item returned, so items
// inserted meanwhile (new executions arrive at the head) neither repeat nor get skipped.

export type SortKey = [string | number, number];

const compareKeys = (a: SortKey, b: SortKey): number => {
  if (a[0] < b[0]) return -1;
  if (a[0] > b[0]) return 1;
  return a[1] - b[1];
};

export interface PageOptions<T> {
  items: Iterable<T>;
  key: (item: T) => SortKey;
  descending?: boolean;
  maxResults?: number;
  defaultMax: number;
  limit: number;
  token?: string;
  /** binds a token to the query that produced it; a token reused for another query is invalid */
  scope: string;
  ttlMs: number;
  invalidToken: (message: string) => AwsError;
}

export function paginate<T>(o: PageOptions<T>): { page: T[]; nextToken?: string } {
  const max = o.maxResults && o.maxResults > 0 ? Math.min(o.maxResults, o.limit) : o.defaultMax;
  const dir = o.descending ? -1 : 1;
  const sorted = [...o.items].sort((a, b) => dir * compareKeys(o.key(a), o.key(b)));
  let start = 0;
  if (o.token) {
    const cursor = decodeToken(o.token, o.scope, o.ttlMs, o.invalidToken);
    start = sorted.findIndex((item) => dir * compareKeys(o.key(item), cursor) > 0);
    if (start < 0) start = sorted.length;
  }
  const page = sorted.slice(start, start + max);
  const last = page[page.length - 1];
  if (start + max >= sorted.length || !last) return { page };
  return { page, nextToken: encodeToken(o.key(last), o.scope) };
}

function encodeToken(key: SortKey, scope: string): string {
  return Buffer.from(JSON.stringify({ k: key, s: scope, t: Date.now() })).toString("base64url");
}

function decodeToken(token: string, scope: string, ttlMs: number, invalid: (m: string) => AwsError): SortKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid("Invalid Token: 'Unable to parse token'");
  }
  if (!isObject(parsed) || !Array.isArray(parsed.k) || parsed.s !== scope || typeof parsed.t !== "number") {
    throw invalid("Invalid Token: 'Token does not match the request'");
  }
  if (Date.now() - parsed.t > ttlMs) throw invalid("Invalid Token: 'Token has expired'");
  const [a, b] = parsed.k;
  if ((typeof a !== "string" && typeof a !== "number") || typeof b !== "number") {
    throw invalid("Invalid Token: 'Malformed token'");
  }
  return [a, b];
}

// ---------------------------------------------------------------------------------------------
// Field readers for request bodies: the SDK validates little client-side, so the emulator must.

export function str(body: JsonObject, field: string, required: true): string;
export function str(body: JsonObject, field: string, required?: false): string | undefined;
export function str(body: JsonObject, field: string, required = false): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required) throw new AwsError("ValidationException", `1 validation error detected: '${field}' is required`);
    return undefined;
  }
  if (typeof v !== "string") throw new AwsError("ValidationException", `'${field}' must be a string`);
  return v;
}

export function num(body: JsonObject, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new AwsError("ValidationException", `'${field}' must be a number`);
  }
  return v;
}

/** AWS JSON protocols carry timestamps as epoch seconds. */
export const epoch = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

export const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
