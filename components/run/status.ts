/**
 * How every status reads on the run page: a word, a glyph and a tone. Status is never colour alone — the
 * glyph and the word always travel with the colour (app/globals.css design rule).
 */
import type { NodeStatus } from "@/lib/runs/graph";

export type Tone = "ok" | "fail" | "run" | "warn" | "idle";
export type StatusLook = { label: string; glyph: string; tone: Tone };

export const RUN_STATUS: Record<string, StatusLook> = {
  RUNNING: { label: "Running", glyph: "▶", tone: "run" },
  SUCCEEDED: { label: "Succeeded", glyph: "✓", tone: "ok" },
  FAILED: { label: "Failed", glyph: "✗", tone: "fail" },
  TIMED_OUT: { label: "Timed out", glyph: "◷", tone: "fail" },
  ABORTED: { label: "Aborted", glyph: "■", tone: "warn" },
  PENDING_REDRIVE: { label: "Redrive pending", glyph: "↻", tone: "run" },
};

export const STEP_STATUS: Record<string, StatusLook> = {
  RUNNING: { label: "Running", glyph: "▶", tone: "run" },
  SUCCEEDED: { label: "Succeeded", glyph: "✓", tone: "ok" },
  FAILED: { label: "Failed", glyph: "✗", tone: "fail" },
  CAUGHT: { label: "Caught", glyph: "↪", tone: "warn" },
  ABORTED: { label: "Aborted", glyph: "■", tone: "warn" },
  TIMED_OUT: { label: "Timed out", glyph: "◷", tone: "fail" },
  CANCELLED: { label: "Cancelled", glyph: "⊘", tone: "idle" },
};

export const NODE_STATUS: Record<NodeStatus, StatusLook> = {
  "not-started": { label: "Not started", glyph: "○", tone: "idle" },
  running: { label: "Running", glyph: "▶", tone: "run" },
  succeeded: { label: "Succeeded", glyph: "✓", tone: "ok" },
  retried: { label: "Retried", glyph: "↻", tone: "warn" },
  caught: { label: "Caught", glyph: "↪", tone: "warn" },
  failed: { label: "Failed", glyph: "✗", tone: "fail" },
  "timed-out": { label: "Timed out", glyph: "◷", tone: "fail" },
  aborted: { label: "Aborted", glyph: "■", tone: "warn" },
  cancelled: { label: "Cancelled", glyph: "⊘", tone: "idle" },
};

const UNKNOWN: StatusLook = { label: "Unknown", glyph: "?", tone: "idle" };

export const runLook = (status: string): StatusLook => RUN_STATUS[status] ?? UNKNOWN;
export const stepLook = (status: string): StatusLook => STEP_STATUS[status] ?? UNKNOWN;

/** Failed-only filter: the statuses that mean "something went wrong here". */
export const PROBLEM_STEP_STATUSES = new Set(["FAILED", "TIMED_OUT", "ABORTED", "CAUGHT"]);
