/** Durations and times as the run page shows them. Pure; same output on server and client. */

/** 0.4 s, 12 s, 3 m 05 s, 2 h 14 m, 3 d 4 h. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 0) ms = 0;
  if (ms < 1000) return ms === 0 ? "0 s" : `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, "0")} m`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Compact axis labels: 0, 30s, 5m, 1h30. */
export function formatOffset(seconds: number): string {
  if (seconds <= 0) return "0";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) {
    const m = Math.floor(seconds / 60);
    const s = Math.round(seconds % 60);
    return s ? `${m}m${String(s).padStart(2, "0")}` : `${m}m`;
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return m ? `${h}h${String(m).padStart(2, "0")}` : `${h}h`;
}

export function durationMs(start: string, end: string | null, now: number): number {
  return (end ? Date.parse(end) : now) - Date.parse(start);
}

/** Deterministic (UTC) rendering for the server and the first client render; LocalTime switches to local. */
export function formatUtc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function formatLocal(iso: string, withDate = true): string {
  const date = new Date(iso);
  const time = date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  if (!withDate) return time;
  const day = date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  return `${day}, ${time}`;
}

export function formatBytes(chars: number): string {
  if (chars < 1024) return `${chars} B`;
  if (chars < 1024 * 1024) return `${(chars / 1024).toFixed(chars < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(chars / 1024 / 1024).toFixed(1)} MiB`;
}
