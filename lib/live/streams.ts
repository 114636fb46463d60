import "server-only";
/**
 * Every open live (SSE) stream of this instance, and the work they share:
 *  - ONE timer per instance, however many streams: it sends the heartbeats and runs the credential
 *    re-check (no per-stream intervals, closures or promises piling up at 1,000 streams);
 *  - the re-check is ONE SQL statement per tick for all streams: the distinct sessions and tokens the
 *    streams were opened with are checked together, and the streams whose credential is gone (sign-out,
 *    revocation, expiry) are told "unauthorized" and closed. The check only reads: it never slides a
 *    session's idle expiry, so an idle tab cannot keep its session alive;
 *  - caps: at most STEPWISE_LIVE_MAX_PER_USER streams per user (429) and STEPWISE_LIVE_MAX_STREAMS per
 *    instance (503), both with Retry-After, checked before a stream is opened.
 */
import type { Principal } from "@/lib/auth/principal";
import { utcParam } from "@/lib/auth/session";
import { tooManyRequests, unavailable } from "@/lib/errors";
import { logger } from "@/lib/log";
import { hubQuery } from "./hub";

export const HEARTBEAT_MS = 15_000;
export const REAUTH_MS = 20_000;

export type StreamCredential = { kind: "session" | "token"; id: string };

export type LiveStreamHandle = {
  userId: string;
  credential: StreamCredential;
  heartbeat(): void;
  /** The credential is gone: say so to the client and end the stream. */
  revoke(): void;
};

type Timing = { tickMs: number; heartbeatMs: number; reauthMs: number };

type Registry = {
  streams: Set<LiveStreamHandle>;
  perUser: Map<string, number>;
  timer: NodeJS.Timeout | null;
  lastHeartbeat: number;
  lastCheck: number;
  checking: boolean;
  timing: Timing;
  checks: number;
};

const holder = globalThis as typeof globalThis & { __stepwiseLiveStreams?: Registry };

function registry(): Registry {
  holder.__stepwiseLiveStreams ??= {
    streams: new Set(),
    perUser: new Map(),
    timer: null,
    lastHeartbeat: 0,
    lastCheck: 0,
    checking: false,
    timing: { tickMs: 5_000, heartbeatMs: HEARTBEAT_MS, reauthMs: REAUTH_MS },
    checks: 0,
  };
  return holder.__stepwiseLiveStreams;
}

const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
export const maxStreamsPerUser = () => envInt("STEPWISE_LIVE_MAX_PER_USER", 20);
export const maxStreamsPerInstance = () => envInt("STEPWISE_LIVE_MAX_STREAMS", 2_000);

export function credentialOf(principal: Principal): StreamCredential {
  return { kind: principal.via, id: principal.credentialId };
}

/**
 * Throws 429 when this user has as many streams as allowed, 503 when the instance does. Called right
 * before `register`, in the same tick, so the two cannot race.
 */
export function assertStreamAllowed(principal: Principal): void {
  const r = registry();
  if (r.streams.size >= maxStreamsPerInstance()) {
    throw unavailable("This instance holds as many live streams as it allows; the page polls meanwhile.", 30);
  }
  const mine = r.perUser.get(principal.user.id) ?? 0;
  if (mine >= maxStreamsPerUser()) {
    throw tooManyRequests(
      `You have ${mine} live streams open (the limit is ${maxStreamsPerUser()}); close some tabs.`,
      30,
    );
  }
}

export function register(handle: LiveStreamHandle): () => void {
  const r = registry();
  r.streams.add(handle);
  r.perUser.set(handle.userId, (r.perUser.get(handle.userId) ?? 0) + 1);
  if (!r.timer) {
    r.lastHeartbeat = Date.now();
    r.lastCheck = Date.now();
    r.timer = setInterval(() => void tick(), r.timing.tickMs);
    r.timer.unref();
  }
  let registered = true;
  return () => {
    if (!registered) return;
    registered = false;
    r.streams.delete(handle);
    const left = (r.perUser.get(handle.userId) ?? 1) - 1;
    if (left <= 0) r.perUser.delete(handle.userId);
    else r.perUser.set(handle.userId, left);
    if (r.streams.size === 0 && r.timer) {
      clearInterval(r.timer);
      r.timer = null;
    }
  };
}

const CHECK_SQL = `
SELECT 'session' AS kind, id FROM session
 WHERE id = ANY($1::text[]) AND expires > ${utcParam(3)}
   AND (absolute_expires_at IS NULL OR absolute_expires_at > ${utcParam(3)})
UNION ALL
SELECT 'token' AS kind, id FROM api_token
 WHERE id = ANY($2::text[]) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${utcParam(3)})`;

/** The credentials among `credentials` that are still valid at `now`: ONE read-only SQL statement. */
export async function validCredentials(credentials: readonly StreamCredential[], now: number): Promise<Set<string>> {
  const sessions = [...new Set(credentials.filter((c) => c.kind === "session").map((c) => c.id))];
  const tokens = [...new Set(credentials.filter((c) => c.kind === "token").map((c) => c.id))];
  if (sessions.length === 0 && tokens.length === 0) return new Set();
  registry().checks++;
  const rows = await hubQuery<{ kind: string; id: string }>(CHECK_SQL, [sessions, tokens, now]);
  return new Set(rows.map((row) => `${row.kind}:${row.id}`));
}

/** Re-checks every stream's credential now (the timer does this every REAUTH_MS). */
export async function recheckStreams(now = Date.now()): Promise<number> {
  const r = registry();
  if (r.checking) return 0;
  r.checking = true;
  try {
    const streams = [...r.streams];
    const valid = await validCredentials(
      streams.map((s) => s.credential),
      now,
    );
    let closed = 0;
    for (const stream of streams) {
      if (!valid.has(`${stream.credential.kind}:${stream.credential.id}`)) {
        stream.revoke();
        closed++;
      }
    }
    return closed;
  } catch (error) {
    // Postgres unreachable: keep the streams (nobody can sign in or out meanwhile) and try next tick.
    logger.warn({ error: error instanceof Error ? error.message : String(error) }, "live credential check failed");
    return 0;
  } finally {
    r.checking = false;
  }
}

export function heartbeatAll(): void {
  for (const stream of registry().streams) stream.heartbeat();
}

async function tick(): Promise<void> {
  const r = registry();
  const now = Date.now();
  if (now - r.lastHeartbeat >= r.timing.heartbeatMs) {
    r.lastHeartbeat = now;
    heartbeatAll();
  }
  if (now - r.lastCheck >= r.timing.reauthMs) {
    r.lastCheck = now;
    await recheckStreams(now);
  }
}

/** Tests: a faster clock for the shared timer (takes effect for the next timer started). */
export function configureLiveTiming(timing: Partial<Timing>): void {
  Object.assign(registry().timing, timing);
}

export function liveStreamStats(): { streams: number; users: number; timers: number; checks: number } {
  const r = registry();
  return { streams: r.streams.size, users: r.perUser.size, timers: r.timer ? 1 : 0, checks: r.checks };
}
