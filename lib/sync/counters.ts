/**
 * API-call counters per source. Kept in memory during a pass and added to the source's row
 * (`aws_source.cursors.stats`) when the pass ends, so /api/health and /api/metrics on *any* instance see
 * the totals of whichever instance holds the lease (Postgres is the only shared state).
 */
import type { SyncCounters } from "./context";

export type CounterTotals = {
  calls: Record<string, number>;
  throttles: Record<string, number>;
  errors: Record<string, number>;
};

export interface MemoryCounters extends SyncCounters {
  /** Returns the counts since the last drain and resets them. */
  drain(): CounterTotals;
  /** Counts since creation (never reset), for tests and summaries. */
  totals(): CounterTotals;
}

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

export function createCounters(): MemoryCounters {
  let pending: CounterTotals = { calls: {}, throttles: {}, errors: {} };
  const all: CounterTotals = { calls: {}, throttles: {}, errors: {} };
  return {
    call(op) {
      bump(pending.calls, op);
      bump(all.calls, op);
    },
    throttled(op) {
      bump(pending.throttles, op);
      bump(all.throttles, op);
    },
    failed(op) {
      bump(pending.errors, op);
      bump(all.errors, op);
    },
    drain() {
      const out = pending;
      pending = { calls: {}, throttles: {}, errors: {} };
      return out;
    },
    totals: () => structuredClone(all),
  };
}

export function addTotals(into: CounterTotals, add: CounterTotals): CounterTotals {
  for (const kind of ["calls", "throttles", "errors"] as const) {
    for (const [k, v] of Object.entries(add[kind])) into[kind][k] = (into[kind][k] ?? 0) + v;
  }
  return into;
}

export const emptyTotals = (): CounterTotals => ({ calls: {}, throttles: {}, errors: {} });
