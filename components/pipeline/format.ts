/** Formatting shared by the pipelines views (server and client). Fixed locale and UTC: same text on both sides. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const diff = Math.max(0, now - Date.parse(iso));
  const m = Math.floor(diff / 60_000);
  if (m < 1) return "just now";
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}

/** Metric values: 4 significant digits, no exponent for everyday magnitudes. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-6)) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

export function formatDelta(value: number, previous: number | null | undefined): string {
  if (previous === null || previous === undefined || !Number.isFinite(previous)) return "—";
  const d = value - previous;
  const sign = d > 0 ? "+" : d < 0 ? "−" : "±";
  const pct = previous !== 0 ? ` (${sign}${Math.abs((d / Math.abs(previous)) * 100).toFixed(1)}%)` : "";
  return `${sign}${formatValue(Math.abs(d))}${pct}`;
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
}
