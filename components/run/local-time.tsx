"use client";
import { formatLocal, formatUtc } from "./format";
import { useMounted } from "./hooks";

/** A timestamp in the reader's time zone (UTC until hydrated, so server HTML and hydration agree). */
export function LocalTime({ iso, withDate = true }: { iso: string | null; withDate?: boolean }) {
  const mounted = useMounted();
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={formatUtc(iso)}>
      {mounted ? formatLocal(iso, withDate) : formatUtc(iso)}
    </time>
  );
}
