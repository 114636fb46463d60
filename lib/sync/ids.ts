/** Stable ids and hashes the sync derives from AWS data (pure; no I/O). */
import { createHash } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * The run's public id: 10 base62 characters of SHA-256(execution ARN). A pure function of the ARN, so it is
 * the same on every instance, after a crash and after a re-sync from scratch (shared links never break), and
 * needs no read-before-write. 62^10 ≈ 8·10^17 ids: collisions are negligible at any realistic run count.
 */
export function publicIdFor(executionArn: string): string {
  const digest = createHash("sha256").update(executionArn).digest();
  let n = digest.readBigUInt64BE(0);
  let out = "";
  for (let i = 0; i < 10; i++) {
    out += BASE62[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}

/** JSON with object keys sorted recursively: equal definitions hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function definitionHash(definition: unknown): string {
  return createHash("sha256").update(canonicalJson(definition)).digest("hex");
}
