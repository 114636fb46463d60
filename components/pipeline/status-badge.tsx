import type { RunStatus } from "@/lib/pipelines/schema";
import styles from "./pipeline.module.css";

/** Glyph + text: the status reads without colour (print, colour blindness); colour only reinforces it. */
const STATUS: Record<RunStatus, { glyph: string; label: string; tone: string }> = {
  RUNNING: { glyph: "◐", label: "Running", tone: "run" },
  SUCCEEDED: { glyph: "✓", label: "Succeeded", tone: "ok" },
  FAILED: { glyph: "✕", label: "Failed", tone: "fail" },
  TIMED_OUT: { glyph: "⏱", label: "Timed out", tone: "fail" },
  ABORTED: { glyph: "■", label: "Aborted", tone: "warn" },
  PENDING_REDRIVE: { glyph: "↻", label: "Redriving", tone: "run" },
};

export function statusLabel(status: RunStatus): string {
  return STATUS[status]?.label ?? status;
}

export function StatusBadge({ status }: { status: RunStatus }) {
  const s = STATUS[status] ?? { glyph: "?", label: status, tone: "idle" };
  return (
    <span className={styles.badge} data-tone={s.tone} data-status={status}>
      <span aria-hidden="true">{s.glyph}</span> {s.label}
    </span>
  );
}
