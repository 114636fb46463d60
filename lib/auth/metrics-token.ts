/**
 * The operator's bearer token for machine endpoints (`/api/metrics`, the details of
 * `/api/health`): METRICS_TOKEN, compared in constant time on hashes so neither
 * the value nor its length leaks. Unset: no token is accepted.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string) => createHash("sha256").update(value).digest();

export function metricsTokenMatches(authorization: string | null, expected = process.env.METRICS_TOKEN): boolean {
  if (!expected || !authorization) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1]), digest(expected));
}
