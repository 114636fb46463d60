/**
 * What the metric-evolution graph shows of a run (public id, name, status, start, number), for the runs a
 * series answer refers to: ~5.6k runs at 100k runs × 3 metrics, whose lookup and transfer were over half of the
 * series statement's time. This process remembers them, so later views read only the runs that are running or
 * that it has not seen:
 *
 * - A run that SUCCEEDED keeps its label for good (AWS redrives only failed, aborted and timed-out executions;
 *   names, ARNs, starts and run numbers never change).
 * - A run that FAILED, TIMED_OUT or was ABORTED keeps it until it is redriven, which any instance or writer may
 *   do. Its label is remembered with the pipeline's relabel counter that the series statement read
 *   (pipeline_run_relabel, bumped by a trigger in the transaction of any such change), and used only while the
 *   statement reads the same counter. The label is read after that statement, so it is at least as new as the
 *   counter; a change committed after the read bumps the counter for the next statement.
 * - A running run (or one pending a redrive) is read every time.
 *
 * A remembered label is used only for the pipeline it was read for, and only when the run's x in the answer
 * (its start, or its number) is the one remembered: a database restored or reset under a running instance,
 * whose run ids now name other runs, gets a miss and a read, not another run's name.
 */
import "server-only";
import { pool } from "@/lib/db";
import type { RunStatus } from "@/lib/status";

export type RunLabel = { publicId: string; name: string; status: RunStatus; startedAt: number; number: number };
/** `relabel`: the pipeline's relabel counter a failed run's label was read under; null for a run that succeeded. */
type Remembered = { pipelineId: number; label: RunLabel; relabel: number | null };
const ENDED_UNSUCCESSFULLY: ReadonlySet<RunStatus> = new Set(["FAILED", "TIMED_OUT", "ABORTED"]);

/** At most this many runs remembered per process (~10 MB); the oldest remembered is forgotten first. */
export const MAX_REMEMBERED = 50_000;
const remembered = new Map<number, Remembered>();
let limit = MAX_REMEMBERED;

const LABELS_SQL = /* sql */ `
SELECT r.id, r.public_id, r.name, r.status::text, stepwise_epoch_ms(r.started_at), r.run_number
  FROM run r
 WHERE r.pipeline_id = $1 AND r.id = ANY($2::int[])`;

type LabelTuple = [id: number, publicId: string, name: string, status: RunStatus, startedAt: number, number: number];

/**
 * The labels of the runs `refs` refers to (run id → its x in the answer: epoch ms of its start on the time
 * axis, its number on the number axis), each read at most once, in one statement for those not remembered
 * (none when all are). `relabel` is the pipeline's relabel counter as the series statement read it. A run that
 * is not in the pipeline (or no longer exists) has no label.
 */
export async function runLabels(
  pipelineId: number,
  refs: ReadonlyMap<number, number>,
  axis: "time" | "number",
  relabel: number,
): Promise<Map<number, RunLabel>> {
  const labels = new Map<number, RunLabel>();
  const unknown: number[] = [];
  for (const [id, x] of refs) {
    const known = remembered.get(id);
    const same =
      known !== undefined &&
      known.pipelineId === pipelineId &&
      (known.relabel === null || known.relabel === relabel) &&
      (axis === "number" ? known.label.number === x : known.label.startedAt === Math.round(x));
    if (same) labels.set(id, known.label);
    else unknown.push(id);
  }
  if (unknown.length === 0) return labels;
  const { rows } = await pool.query<LabelTuple>({ text: LABELS_SQL, values: [pipelineId, unknown], rowMode: "array" });
  for (const [id, publicId, name, status, startedAt, number] of rows) {
    const label: RunLabel = { publicId, name, status, startedAt, number };
    labels.set(id, label);
    if (status === "SUCCEEDED") remember(id, { pipelineId, label, relabel: null });
    else if (ENDED_UNSUCCESSFULLY.has(status)) remember(id, { pipelineId, label, relabel });
  }
  return labels;
}

function remember(id: number, label: Remembered): void {
  remembered.delete(id);
  remembered.set(id, label);
  if (remembered.size > limit) {
    const oldest = remembered.keys().next();
    if (!oldest.done) remembered.delete(oldest.value);
  }
}

/** For tests: what this process remembers, forgetting it all, and a smaller limit. */
export const rememberedRuns = {
  ids: () => [...remembered.keys()],
  clear: () => remembered.clear(),
  limitTo: (n: number) => {
    limit = n;
  },
};
