/**
 * The one status vocabulary of Stepwise. Every run, step and graph-node status is declared here once,
 * with how it reads everywhere (run page, tables, pipelines index, compare page, model card and its
 * print view, graph legend and nodes): a glyph, a word and a colour token. Status is never colour
 * alone: the glyph and the word always travel with the colour (components/ui/status-badge.tsx).
 *
 * Free of imports, so the zod schemas (lib/pipelines/schema.ts, lib/runs/schema.ts), the sync and
 * client components all share it. Two maps of the same thing drift apart; keep this the only one.
 */

export const RUN_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "CAUGHT", "ABORTED", "TIMED_OUT", "CANCELLED"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** A state of the graph: the steps it stands for folded into one status (lib/runs/graph.ts nodeStates). */
export const NODE_STATUSES = [
  "not-started",
  "running",
  "succeeded",
  "retried",
  "caught",
  "failed",
  "timed-out",
  "aborted",
  "cancelled",
] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** SageMaker job statuses (training, processing, transform, tuning), as DescribeTrainingJob returns them. */
export const JOB_STATUSES = ["InProgress", "Completed", "Failed", "Stopping", "Stopped"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type Tone = "ok" | "fail" | "run" | "warn" | "idle";

export type StatusLook = {
  /** The word a reader (and a screen reader) gets. */
  word: string;
  /** A glyph that tells the status apart without colour (print, colour blindness). */
  glyph: string;
  tone: Tone;
  /** CSS custom properties of app/globals.css: the foreground and the tinted background. */
  colour: `--${Tone}`;
  background: `--${Tone}-bg`;
  /** Finished for good (no further event changes it without a redrive). */
  terminal: boolean;
  /** Still moving: durations tick, live updates are expected. */
  active: boolean;
};

const look = (word: string, glyph: string, tone: Tone, flags: { terminal?: boolean; active?: boolean } = {}) =>
  ({
    word,
    glyph,
    tone,
    colour: `--${tone}`,
    background: `--${tone}-bg`,
    terminal: flags.terminal ?? false,
    active: flags.active ?? false,
  }) as const satisfies StatusLook;

/** The looks themselves: a status that means the same in two vocabularies is the same object. */
const RUNNING = look("Running", "▶", "run", { active: true });
const SUCCEEDED = look("Succeeded", "✓", "ok", { terminal: true });
const FAILED = look("Failed", "✗", "fail", { terminal: true });
const TIMED_OUT = look("Timed out", "◷", "fail", { terminal: true });
const ABORTED = look("Aborted", "■", "warn", { terminal: true });
const CAUGHT = look("Caught", "↪", "warn", { terminal: true });
const CANCELLED = look("Cancelled", "⊘", "idle", { terminal: true });
const PENDING_REDRIVE = look("Redrive pending", "↻", "run", { active: true });
const RETRIED = look("Retried", "↺", "warn", { terminal: true });
const NOT_STARTED = look("Not started", "○", "idle");
const IN_PROGRESS = look("In progress", "▶", "run", { active: true });
const COMPLETED = look("Completed", "✓", "ok", { terminal: true });
const STOPPING = look("Stopping", "◼", "warn", { active: true });
const STOPPED = look("Stopped", "■", "warn", { terminal: true });
const UNKNOWN = look("Unknown", "?", "idle");

export const RUN_STATUS: Readonly<Record<RunStatus, StatusLook>> = {
  RUNNING,
  SUCCEEDED,
  FAILED,
  TIMED_OUT,
  ABORTED,
  PENDING_REDRIVE,
};

export const STEP_STATUS: Readonly<Record<StepStatus, StatusLook>> = {
  RUNNING,
  SUCCEEDED,
  FAILED,
  CAUGHT,
  ABORTED,
  TIMED_OUT,
  CANCELLED,
};

export const NODE_STATUS: Readonly<Record<NodeStatus, StatusLook>> = {
  "not-started": NOT_STARTED,
  running: RUNNING,
  succeeded: SUCCEEDED,
  retried: RETRIED,
  caught: CAUGHT,
  failed: FAILED,
  "timed-out": TIMED_OUT,
  aborted: ABORTED,
  cancelled: CANCELLED,
};

export const JOB_STATUS: Readonly<Record<JobStatus, StatusLook>> = {
  InProgress: IN_PROGRESS,
  Completed: COMPLETED,
  Failed: FAILED,
  Stopping: STOPPING,
  Stopped: STOPPED,
};

const has = <K extends string>(map: Readonly<Record<K, StatusLook>>, key: string): key is K => Object.hasOwn(map, key);

/** A value outside the vocabulary (a newer AWS status) reads as itself, with the "?" glyph. */
const unknown = (status: string): StatusLook => ({ ...UNKNOWN, word: status.trim() || UNKNOWN.word });

/** Looks up a status as stored (a string from the database or the API). */
export const runLook = (status: string): StatusLook => (has(RUN_STATUS, status) ? RUN_STATUS[status] : unknown(status));
export const stepLook = (status: string): StatusLook =>
  has(STEP_STATUS, status) ? STEP_STATUS[status] : unknown(status);
export const nodeLook = (status: string): StatusLook =>
  has(NODE_STATUS, status) ? NODE_STATUS[status] : unknown(status);

export const jobLook = (status: string): StatusLook => (has(JOB_STATUS, status) ? JOB_STATUS[status] : unknown(status));

export const isRunStatus = (value: string): value is RunStatus => has(RUN_STATUS, value);

/** Runs drawn as "failed" marks on the metric graph and matched by the "Any failure" filter. */
export const FAILED_RUN_STATUSES: readonly RunStatus[] = ["FAILED", "TIMED_OUT", "ABORTED"];

/** Failed-only filter of the timeline: the step statuses that mean "something went wrong here". */
export const PROBLEM_STEP_STATUSES: ReadonlySet<string> = new Set<StepStatus>([
  "FAILED",
  "TIMED_OUT",
  "ABORTED",
  "CAUGHT",
]);
