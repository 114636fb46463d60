/**
 * A log line's place in the shareable URL: `log=<stream>:<timestamp>-<n>`, the n-th line (from 0) with that
 * millisecond timestamp in that stream. Stream names cannot contain ":", so the last ":" splits it. Plain code
 * (no zod): the run page's log panel reads it in the browser.
 */

/** CloudWatch Logs stream names: no ":" or "*" (the API reference's pattern), no control characters; 1–512 long. */
export const LOG_STREAM_NAME = /^[^:*\p{Cc}]+$/u;
export const LOG_STREAM_NAME_MAX = 512;

export type LogPosition = { stream: string; timestamp: number; n: number };

export function formatLogPosition(p: LogPosition): string {
  return `${p.stream}:${p.timestamp}-${p.n}`;
}

export function parseLogPosition(value: string | null | undefined): LogPosition | null {
  if (!value || value.length > 600) return null;
  const at = value.lastIndexOf(":");
  if (at <= 0) return null;
  const stream = value.slice(0, at);
  const m = /^(\d{1,15})-(\d{1,5})$/.exec(value.slice(at + 1));
  if (!m || stream.length > LOG_STREAM_NAME_MAX || !LOG_STREAM_NAME.test(stream)) return null;
  return { stream, timestamp: Number(m[1]), n: Number(m[2]) };
}
