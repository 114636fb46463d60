/**
 * Refused credentials (no, forged, expired or revoked session or token; failed logins) are audited,
 * but a flood from one address must not flood the audit log (nor the database with one INSERT per
 * request): at most AUDIT_FAILED_PER_MINUTE rows (20) per source address per minute on each instance.
 * Rows beyond are counted, and the first row the address gets in a later minute says how many were
 * left out (`details.suppressed`). Addresses come through TRUST_PROXY_HOPS only
 * (lib/audit/client-address.ts), so a client cannot spread itself over invented addresses.
 *
 * Per instance and in memory: the limit protects this instance's database writes, like the caps in
 * lib/api/limits.ts; at most MAX_ADDRESSES addresses are tracked (older windows are dropped first).
 */
import "server-only";
import { type AuditEntryInput, recordAudit } from "./log";
import { currentRequestContext } from "./request-context";

const WINDOW_MS = 60_000;
const MAX_ADDRESSES = 10_000;

type Window = { start: number; written: number; suppressed: number };

const holder = globalThis as typeof globalThis & { __stepwiseFailedAudit?: Map<string, Window> };
const windows: Map<string, Window> = holder.__stepwiseFailedAudit ?? new Map();
holder.__stepwiseFailedAudit = windows;

export function failedAuditsPerMinute(): number {
  const value = Number(process.env.AUDIT_FAILED_PER_MINUTE);
  return Number.isInteger(value) && value > 0 ? value : 20;
}

function prune(now: number): void {
  if (windows.size < MAX_ADDRESSES) return;
  for (const [address, window] of windows) {
    if (now - window.start >= WINDOW_MS && window.suppressed === 0) windows.delete(address);
  }
  // Still full (a flood of distinct addresses): forget the oldest.
  for (const address of windows.keys()) {
    if (windows.size < MAX_ADDRESSES) break;
    windows.delete(address);
  }
}

/**
 * Whether a refused-credential row from `address` is written now, and how many rows of its previous
 * window were left out (reported once, with the first row written after them).
 */
export function admitFailedCredentialAudit(
  address: string | null,
  now: number = Date.now(),
): { write: boolean; suppressed: number } {
  const key = address ?? "unknown";
  const window = windows.get(key);
  if (!window || now - window.start >= WINDOW_MS) {
    prune(now);
    windows.delete(key);
    windows.set(key, { start: now, written: 1, suppressed: 0 });
    return { write: true, suppressed: window?.suppressed ?? 0 };
  }
  if (window.written < failedAuditsPerMinute()) {
    window.written++;
    return { write: true, suppressed: 0 };
  }
  window.suppressed++;
  return { write: false, suppressed: 0 };
}

/** recordAudit for a refused credential or failed login, rate-limited per source address. */
export async function recordFailedCredential(entry: AuditEntryInput, now?: number): Promise<void> {
  const address = entry.ip !== undefined ? entry.ip : currentRequestContext().ip;
  const { write, suppressed } = admitFailedCredentialAudit(address, now);
  if (!write) return;
  await recordAudit(suppressed > 0 ? { ...entry, details: { ...(entry.details ?? {}), suppressed } } : entry);
}
