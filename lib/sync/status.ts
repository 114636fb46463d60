/**
 * Sync status per source, read from aws_source (so every instance reports the same numbers, whichever
 * holds the lease): the public summary for /api/health (no role ARNs, no endpoints, no credentials) and the
 * Prometheus metrics for /api/metrics (prom-client).
 */
import "server-only";
import type pg from "pg";
import { Counter, Gauge, type Registry } from "prom-client";
import { pool as defaultPool } from "@/lib/db";
import { describeGap, WITHOUT_ACTION } from "./degrade";
import type { SourceStats } from "./pass";

type SourceRow = {
  key: string;
  enabled: boolean;
  lastSyncAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  leased: boolean;
  stats: Partial<SourceStats> | null;
  openRuns: number;
  lagSeconds: number | null;
  gaps: { action: string; reason: string; since: string; nextAttemptAt: string | null }[] | null;
  backingOff: number;
  gaveUp: number;
};

async function readSources(db: pg.Pool): Promise<SourceRow[]> {
  const { rows } = await db.query<SourceRow>(
    `SELECT s.key, s.enabled, s.last_sync_at AT TIME ZONE 'UTC' AS "lastSyncAt",
            s.last_success_at AT TIME ZONE 'UTC' AS "lastSuccessAt", s.last_error AS "lastError",
            s.last_error_at AT TIME ZONE 'UTC' AS "lastErrorAt",
            (s.lease_owner IS NOT NULL AND s.lease_expires_at > now() AT TIME ZONE 'UTC') AS leased,
            s.cursors -> 'stats' AS stats,
            extract(epoch FROM (now() AT TIME ZONE 'UTC') - s.last_success_at)::float8 AS "lagSeconds",
            (SELECT count(*)::int FROM run r JOIN pipeline p ON p.id = r.pipeline_id
              WHERE p.source_id = s.id AND NOT r.history_complete) AS "openRuns",
            (SELECT json_agg(json_build_object('action', b.operation, 'reason', b.reason,
                      'since', to_char(b.first_failed_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                      'nextAttemptAt', to_char(b.next_attempt_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                      ORDER BY b.operation)
               FROM sync_backoff b WHERE b.source_id = s.id AND b.object = '*') AS gaps,
            (SELECT count(*)::int FROM sync_backoff b WHERE b.source_id = s.id AND b.object <> '*'
                AND b.gave_up_at IS NULL AND b.operation NOT LIKE 'eventbridge:%') AS "backingOff",
            (SELECT count(*)::int FROM sync_backoff b WHERE b.source_id = s.id AND b.object <> '*'
                AND b.gave_up_at IS NOT NULL) AS "gaveUp"
       FROM aws_source s ORDER BY s.key`,
  );
  return rows;
}

/** Strips what must not leave through a public endpoint: ARNs of IAM principals, URLs, long payloads. */
export function redactError(message: string | null): string | null {
  if (!message) return null;
  return message
    .replace(/arn:aws[\w-]*:(iam|sts)::\d{12}:[^\s"',)]+/g, "arn:aws:$1::[redacted]")
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"',)]+/gi, "[url]")
    .slice(0, 300);
}

const sum = (m: Record<string, number> | undefined) => Object.values(m ?? {}).reduce((a, b) => a + b, 0);

export type SyncHealth = {
  ok: boolean;
  sources: {
    key: string;
    enabled: boolean;
    lastSuccessAt: string | null;
    lagSeconds: number | null;
    lastError: string | null;
    lastErrorAt: string | null;
    leased: boolean;
    openRuns: number;
    apiCalls: number;
    throttles: number;
    errors: number;
    /**
     * What this source cannot read and what is missing because of it: one entry per IAM action that is
     * denied or unsupported (or whose listing keeps failing), with when it started and the next probe.
     */
    gaps: {
      action: string;
      reason: string;
      message: string;
      missing: string;
      since: string;
      nextAttemptAt: string | null;
    }[];
    /** Objects (executions, jobs, cards…) whose calls are backing off right now. */
    backingOff: number;
    /** Objects the sync gave up on (gone, in another account, kept failing); runs show why. */
    gaveUp: number;
  }[];
};

/** STEPWISE_SYNC_MAX_LAG_SECONDS (default 900): a source without a successful pass for longer is not ok. */
export async function getSyncHealth(db: pg.Pool = defaultPool): Promise<SyncHealth> {
  const maxLag = Number(process.env.STEPWISE_SYNC_MAX_LAG_SECONDS ?? 900);
  const rows = await readSources(db);
  const sources = rows.map((s) => ({
    key: s.key,
    enabled: s.enabled,
    lastSuccessAt: s.lastSuccessAt?.toISOString() ?? null,
    lagSeconds: s.lagSeconds === null ? null : Math.round(s.lagSeconds),
    lastError: redactError(s.lastError),
    lastErrorAt: s.lastErrorAt?.toISOString() ?? null,
    leased: s.leased,
    openRuns: s.openRuns,
    apiCalls: sum(s.stats?.calls),
    throttles: sum(s.stats?.throttles),
    errors: sum(s.stats?.errors),
    gaps: (s.gaps ?? []).map((g) => ({
      action: g.action,
      reason: g.reason,
      message: describeGap(g.action, g.reason),
      missing: WITHOUT_ACTION[g.action] ?? "that part of the source is not synced",
      since: g.since,
      nextAttemptAt: g.nextAttemptAt,
    })),
    backingOff: s.backingOff,
    gaveUp: s.gaveUp,
  }));
  const ok = sources.every((s) => !s.enabled || (s.lagSeconds !== null && s.lagSeconds <= maxLag));
  return { ok, sources };
}

/** What each sync metric is (its HELP line). */
const HELP = {
  stepwise_sync_api_calls_total: "AWS API call attempts by source and operation.",
  stepwise_sync_api_throttles_total: "Throttled AWS API attempts.",
  stepwise_sync_api_errors_total: "Failed AWS API attempts (not throttling).",
  stepwise_sync_passes_total: "Completed sync passes.",
  stepwise_sync_failed_passes_total: "Sync passes that failed.",
  stepwise_sync_pass_duration_seconds_sum: "Total time spent in sync passes.",
  stepwise_sync_last_pass_duration_seconds: "Duration of the last sync pass.",
  stepwise_sync_executions_synced_total: "Executions synced.",
  stepwise_sync_item_failures_total: "Executions / pipelines / steps of a pass that failed and were skipped.",
  stepwise_sync_lag_seconds: "Seconds since the last successful pass.",
  stepwise_sync_open_runs: "Runs still being followed (running or history incomplete).",
  stepwise_sync_permission_gaps:
    "IAM actions the source cannot use (denied or unsupported); see /api/health for which.",
  stepwise_sync_given_up: "Objects (executions, jobs, cards) the sync gave up on.",
  stepwise_sync_lease_held: "1 when some instance holds the source's sync lease.",
} as const;

type Samples = { labels: readonly string[]; samples: [Record<string, string>, number][] };
type Family = Samples & { type: "counter" | "gauge" };
const counter = (series: Samples): Family => ({ type: "counter", ...series });
const gauge = (series: Samples): Family => ({ type: "gauge", ...series });

/**
 * The sync counters and gauges, read from aws_source at scrape time, registered on `registry` (a fresh
 * prom-client Registry per scrape: the values are the database's, so every instance reports the same).
 */
export async function registerSyncMetrics(registry: Registry, db: pg.Pool = defaultPool): Promise<void> {
  const rows = await readSources(db);
  const perOp = (pick: (s: Partial<SourceStats>) => Record<string, number> | undefined): Samples => ({
    labels: ["source", "operation"],
    samples: rows.flatMap((s) =>
      Object.entries(pick(s.stats ?? {}) ?? {}).map(
        ([operation, n]) => [{ source: s.key, operation }, n] as [Record<string, string>, number],
      ),
    ),
  });
  const perSource = (value: (s: SourceRow) => number | null | undefined): Samples => ({
    labels: ["source"],
    samples: rows.map((s) => [{ source: s.key }, value(s) ?? Number.NaN] as [Record<string, string>, number]),
  });
  const families: Record<keyof typeof HELP, Family> = {
    stepwise_sync_api_calls_total: counter(perOp((s) => s.calls)),
    stepwise_sync_api_throttles_total: counter(perOp((s) => s.throttles)),
    stepwise_sync_api_errors_total: counter(perOp((s) => s.errors)),
    stepwise_sync_passes_total: counter(perSource((s) => s.stats?.passes ?? 0)),
    stepwise_sync_failed_passes_total: counter(perSource((s) => s.stats?.failedPasses ?? 0)),
    stepwise_sync_pass_duration_seconds_sum: counter(perSource((s) => (s.stats?.totalPassMs ?? 0) / 1000)),
    stepwise_sync_last_pass_duration_seconds: gauge(perSource((s) => (s.stats?.lastPassMs ?? 0) / 1000)),
    stepwise_sync_executions_synced_total: counter(perSource((s) => s.stats?.executionsSynced ?? 0)),
    stepwise_sync_item_failures_total: counter(perSource((s) => s.stats?.executionFailures ?? 0)),
    stepwise_sync_lag_seconds: gauge(perSource((s) => s.lagSeconds ?? Number.NaN)),
    stepwise_sync_open_runs: gauge(perSource((s) => s.openRuns)),
    stepwise_sync_permission_gaps: gauge(perSource((s) => s.gaps?.length ?? 0)),
    stepwise_sync_given_up: gauge(perSource((s) => s.gaveUp)),
    stepwise_sync_lease_held: gauge(perSource((s) => (s.leased ? 1 : 0))),
  };
  for (const [name, family] of Object.entries(families)) {
    const config = { name, help: HELP[name as keyof typeof HELP], labelNames: family.labels, registers: [registry] };
    // Values are totals read from the database: a fresh counter is incremented once by each.
    const metric = family.type === "counter" ? new Counter(config) : new Gauge(config);
    for (const [labels, value] of family.samples) {
      const finite = Number.isFinite(value) ? Math.max(family.type === "counter" ? 0 : -Infinity, value) : 0;
      if (metric instanceof Counter) metric.inc(labels, finite);
      else metric.set(labels, finite);
    }
  }
}
