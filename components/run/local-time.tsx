"use client";
import { useMounted } from "@/components/ui/use-now";
import { formatUtc } from "@/lib/format";

/** The reader's own zone and locale: only after hydration, so it never enters server HTML. */
function formatLocal(iso: string, withDate: boolean): string {
  const date = new Date(iso);
  const time = date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  if (!withDate) return time;
  const day = date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  return `${day}, ${time}`;
}

/** A timestamp in the reader's time zone (UTC until hydrated, so server HTML and hydration agree). */
export function LocalTime({ iso, withDate = true }: { iso: string | null; withDate?: boolean }) {
  const mounted = useMounted();
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={formatUtc(iso, "second")}>
      {mounted ? formatLocal(iso, withDate) : formatUtc(iso, "second")}
    </time>
  );
}
