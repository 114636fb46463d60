/**
 * What the metric-evolution graph shows of a run (public id, name, status, start, number), for the runs a
 * series answer refers to: ~5.6k runs at 100k runs × 3 metrics, whose lookup and transfer were over half of the
 * series statement's time. A run that SUCCEEDED keeps these for good (AWS redrives only failed, aborted and
 * timed-out executions; names, ARNs, starts and run numbers never change), so this process remembers those
 * and reads only the others: the first view of a pipeline reads every run once, later views read the few that
 * are running or failed, or that it has not seen.
 *
 * A remembered label is used only for the pipeline it was read for, and only when the run's x in the answer
 * (its start, or its number) is the one remembered: a database restored or reset under a running instance,
 * whose run ids now name other runs, gets a miss and a read, not another run's name.
 */
import "server-only";
import { pool } from "@/lib/db";
import type { RunStatus } from "@/lib/status";

export type RunLabel = { publicId: string; name: string; status: RunStatus; startedAt: number; number: number };
type Remembered = { pipelineId: number; label: RunLabel };

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
 * (none when all are). A run that is not in the pipeline (or no longer exists) has no label.
 */
export async function runLabels(
  pipelineId: number,
  refs: ReadonlyMap<number, number>,
  axis: "time" | "number",
): Promise<Map<number, RunLabel>> {
  const labels = new Map<number, RunLabel>();
  const unknown: number[] = [];
  for (const [id, x] of refs) {
    const known = remembered.get(id);
    const same =
      known !== undefined &&
      known.pipelineId === pipelineId &&
      (axis === "number" ? known.label.number === x : known.label.startedAt === Math.round(x));
    if (same) labels.set(id, known.label);
    else unknown.push(id);
  }
  if (unknown.length === 0) return labels;
  const { rows } = await pool.query<LabelTuple>({ text: LABELS_SQL, values: [pipelineId, unknown], rowMode: "array" });
  for (const [id, publicId, name, status, startedAt, number] of rows) {
    const label: RunLabel = { publicId, name, status, startedAt, number };
    labels.set(id, label);
    if (status === "SUCCEEDED") remember(id, { pipelineId, label });
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
