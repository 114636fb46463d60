/**
 * Sync status per source, read from aws_source (so every instance reports the same numbers, whichever
 * holds the lease): the public summary for /api/health (no role ARNs, no endpoints, no credentials) and the
 * Prometheus exposition for /api/metrics.
 */
import "server-only";
import type pg from "pg";
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

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Prometheus text exposition (format 0.0.4) of the sync counters and gauges. */
export async function renderSyncMetrics(db: pg.Pool = defaultPool): Promise<string> {
  const rows = await readSources(db);
  const out: string[] = [];
  const family = (name: string, type: "counter" | "gauge", help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}{${labels}} ${Number.isFinite(value) ? value : 0}`);
  };
  const perOp = (pick: (s: Partial<SourceStats>) => Record<string, number> | undefined) =>
    rows.flatMap((s) =>
      Object.entries(pick(s.stats ?? {}) ?? {}).map(
        ([op, n]) => [`source="${label(s.key)}",operation="${label(op)}"`, n] as [string, number],
      ),
    );
  const perSource = (value: (s: SourceRow) => number | null | undefined) =>
    rows.map((s) => [`source="${label(s.key)}"`, value(s) ?? Number.NaN] as [string, number]);
  family(
    "stepwise_sync_api_calls_total",
    "counter",
    "AWS API call attempts by source and operation.",
    perOp((s) => s.calls),
  );
  family(
    "stepwise_sync_api_throttles_total",
    "counter",
    "Throttled AWS API attempts.",
    perOp((s) => s.throttles),
  );
  family(
    "stepwise_sync_api_errors_total",
    "counter",
    "Failed AWS API attempts (not throttling).",
    perOp((s) => s.errors),
  );
  family(
    "stepwise_sync_passes_total",
    "counter",
    "Completed sync passes.",
    perSource((s) => s.stats?.passes ?? 0),
  );
  family(
    "stepwise_sync_failed_passes_total",
    "counter",
    "Sync passes that failed.",
    perSource((s) => s.stats?.failedPasses ?? 0),
  );
  family(
    "stepwise_sync_pass_duration_seconds_sum",
    "counter",
    "Total time spent in sync passes.",
    perSource((s) => (s.stats?.totalPassMs ?? 0) / 1000),
  );
  family(
    "stepwise_sync_last_pass_duration_seconds",
    "gauge",
    "Duration of the last sync pass.",
    perSource((s) => (s.stats?.lastPassMs ?? 0) / 1000),
  );
  family(
    "stepwise_sync_executions_synced_total",
    "counter",
    "Executions synced.",
    perSource((s) => s.stats?.executionsSynced ?? 0),
  );
  family(
    "stepwise_sync_item_failures_total",
    "counter",
    "Executions / pipelines / steps of a pass that failed and were skipped.",
    perSource((s) => s.stats?.executionFailures ?? 0),
  );
  family(
    "stepwise_sync_lag_seconds",
    "gauge",
    "Seconds since the last successful pass.",
    perSource((s) => s.lagSeconds ?? Number.NaN),
  );
  family(
    "stepwise_sync_open_runs",
    "gauge",
    "Runs still being followed (running or history incomplete).",
    perSource((s) => s.openRuns),
  );
  family(
    "stepwise_sync_permission_gaps",
    "gauge",
    "IAM actions the source cannot use (denied or unsupported); see /api/health for which.",
    perSource((s) => s.gaps?.length ?? 0),
  );
  family(
    "stepwise_sync_given_up",
    "gauge",
    "Objects (executions, jobs, cards) the sync gave up on.",
    perSource((s) => s.gaveUp),
  );
  family(
    "stepwise_sync_lease_held",
    "gauge",
    "1 when some instance holds the source's sync lease.",
    perSource((s) => (s.leased ? 1 : 0)),
  );
  return `${out.join("\n")}\n`;
}
