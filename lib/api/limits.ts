/**
 * Per-principal concurrency caps on the expensive reads (metric series, comparison, PDF): a user may
 * have at most N of each in flight on this instance; the next one is refused at once with 429 and
 * Retry-After instead of queueing behind them, so one user (or one runaway notebook loop) cannot take
 * the database pool or the CPU from everyone else. The count is per instance, like the CPU and the
 * connection pool it protects.
 *
 * Hand-written rather than p-limit: p-limit queues excess work, and here the point is to refuse it.
 */
import type { Principal } from "@/lib/auth/principal";
import { tooManyRequests } from "@/lib/errors";

export type ExpensiveRead = "metric-series" | "compare" | "pdf";

const DEFAULT_LIMITS: Record<ExpensiveRead, number> = { "metric-series": 4, compare: 2, pdf: 1 };
const ENV: Record<ExpensiveRead, string> = {
  "metric-series": "STEPWISE_MAX_CONCURRENT_SERIES",
  compare: "STEPWISE_MAX_CONCURRENT_COMPARE",
  pdf: "STEPWISE_MAX_CONCURRENT_PDF",
};

export function concurrencyLimit(kind: ExpensiveRead): number {
  const value = Number(process.env[ENV[kind]]);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_LIMITS[kind];
}

const holder = globalThis as typeof globalThis & { __stepwiseInFlight?: Map<string, number> };
const inFlight: Map<string, number> = holder.__stepwiseInFlight ?? new Map();
holder.__stepwiseInFlight = inFlight;

export type Slot = { release(): void };

/** Takes a slot for this principal's user or throws 429 "too_many_requests" with Retry-After. */
export function acquireSlot(kind: ExpensiveRead, principal: Principal, retryAfterSeconds = 2): Slot {
  const key = `${kind}:${principal.user.id}`;
  const limit = concurrencyLimit(kind);
  const current = inFlight.get(key) ?? 0;
  if (current >= limit) {
    throw tooManyRequests(
      `You already have ${current} ${kind === "pdf" ? "PDF" : kind.replace("-", " ")} request${current === 1 ? "" : "s"} running; wait for ${current === 1 ? "it" : "them"} to finish.`,
      retryAfterSeconds,
    );
  }
  inFlight.set(key, current + 1);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      const left = (inFlight.get(key) ?? 1) - 1;
      if (left <= 0) inFlight.delete(key);
      else inFlight.set(key, left);
    },
  };
}

/** Runs `work` inside a slot, released however it ends. */
export async function withSlot<T>(kind: ExpensiveRead, principal: Principal, work: () => Promise<T>): Promise<T> {
  const slot = acquireSlot(kind, principal);
  try {
    return await work();
  } finally {
    slot.release();
  }
}

/** Slots held right now (tests, diagnostics). */
export function slotsInFlight(kind: ExpensiveRead, principal: Principal): number {
  return inFlight.get(`${kind}:${principal.user.id}`) ?? 0;
}
