/**
 * How Stepwise writes durations, dates, numbers and sizes: one module, so a run's duration reads the same
 * on the run page, in the runs table, on the compare page and on a printed model card. Pure and
 * deterministic (fixed locale, UTC, no clock: "now" is always passed in), so server HTML and the
 * client's first render agree. Local-time display is the one exception and lives with its component
 * (components/run/local-time.tsx).
 */

const DASH = "—";
const pad2 = (n: number) => String(n).padStart(2, "0");
const finite = (value: number | null | undefined): value is number =>
  value !== null && value !== undefined && Number.isFinite(value);

/** A duration in milliseconds: "0.4 s", "12 s", "3 min 05 s", "2 h 14 min", "3 d 4 h"; "—" when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (!finite(ms)) return DASH;
  const value = Math.max(0, ms);
  if (value < 1000) return value === 0 ? "0 s" : `${(value / 1000).toFixed(1)} s`;
  const s = Math.floor(value / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${pad2(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${pad2(m % 60)} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Milliseconds from `start` to `end`, or to `now` while it has not ended. */
export function durationMs(start: string, end: string | null, now: number): number {
  return (end ? Date.parse(end) : now) - Date.parse(start);
}

/** Compact offsets for time axes, where space is short: "0", "30s", "5m", "5m30", "1h", "1h30". */
export function formatOffset(seconds: number): string {
  if (!(seconds > 0)) return "0";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) {
    const m = Math.floor(seconds / 60);
    const s = Math.round(seconds % 60);
    return s ? `${m}m${pad2(s)}` : `${m}m`;
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return m ? `${h}h${pad2(m)}` : `${h}h`;
}

export type UtcPrecision = "date" | "minute" | "second";

/** A moment in UTC: "2026-03-14", "2026-03-14 09:26 UTC" (the default) or "2026-03-14 09:26:53 UTC". */
export function formatUtc(
  value: string | number | Date | null | undefined,
  precision: UtcPrecision = "minute",
): string {
  if (value === null || value === undefined || value === "") return DASH;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return DASH;
  const iso = date.toISOString();
  if (precision === "date") return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, precision === "second" ? 19 : 16)} UTC`;
}

/** How long ago, coarsely: "just now", "5 min ago", "3 h ago", "4 days ago"; "never" without a time. */
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return DASH;
  const m = Math.floor(Math.max(0, now - at) / 60_000);
  if (m < 1) return "just now";
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}

/** Metric values in tables, tooltips and graphs: 4 significant digits, an exponent only for extremes. */
export function formatValue(value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-6)) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

/** Metric values on a model card: integers as they are, else 1, 3 or 4 decimals by magnitude. */
export function formatMetric(value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(1) : abs >= 1 ? value.toFixed(3) : value.toFixed(4);
}

/** The change from `previous` to `value`: "+0.012 (+1.3%)", "−4 (−50.0%)", "±0"; "—" without a previous. */
export function formatDelta(value: number, previous: number | null | undefined): string {
  if (!finite(previous)) return DASH;
  const d = value - previous;
  const sign = d > 0 ? "+" : d < 0 ? "−" : "±";
  const pct = previous !== 0 ? ` (${sign}${Math.abs((d / Math.abs(previous)) * 100).toFixed(1)}%)` : "";
  return `${sign}${formatValue(Math.abs(d))}${pct}`;
}

/** A share 0…1 as a whole percentage: 0.873 → "87%". */
export function formatPercent(value: number | null | undefined): string {
  return finite(value) ? `${Math.round(value * 100)}%` : DASH;
}

/** US dollars: "$0.42", "$12.50", "$1234" (no cents from $100). */
export function formatUsd(value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  return value >= 100 ? `$${value.toFixed(0)}` : `$${value.toFixed(2)}`;
}

/** A size in bytes (or characters of a payload): "512 B", "2.5 KiB", "40 KiB", "1.2 MiB". */
export function formatBytes(bytes: number): string {
  if (!finite(bytes) || bytes < 0) return DASH;
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A count and its noun, in the noun's plural unless the count is one: "1 item", "1,600 regressions". */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
}

export type SeriesPointUnit = { one: string; many: string; per: string };

/**
 * What one point of a training job's metric series is, in words, given the Period (seconds) it was read at:
 * an epoch at 1 s; a bucket's mean when the job was read after CloudWatch dropped its 1-second data ("per"
 * names the span a bucket averages: "minute", "5 minutes", "hour").
 */
export function seriesPointUnit(period: number | null | undefined): SeriesPointUnit {
  if (!period || period <= 1) return { one: "epoch", many: "epochs", per: "epoch" };
  const [span, per] =
    period % 3600 === 0
      ? [`${period / 3600}-hour`, period === 3600 ? "hour" : `${period / 3600} hours`]
      : period % 60 === 0
        ? [`${period / 60}-minute`, period === 60 ? "minute" : `${period / 60} minutes`]
        : [`${period}-second`, `${period} seconds`];
  return { one: `${span} bucket`, many: `${span} buckets`, per };
}
