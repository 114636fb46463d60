/**
 * Turns the flat step list into the timeline's rows: a tree by parentKey where a Map's steps are grouped
 * under one row per iteration and a Parallel's under one row per branch, and re-entries of a state
 * ("Train", "Train#2" after a redrive) sit next to each other. Sorting applies within each level; the
 * failed-only filter keeps problem steps plus the rows above them, so they stay in context. Pure.
 */
import type { StepSummary } from "@/lib/runs/schema";
import { PROBLEM_STEP_STATUSES } from "@/lib/status";

export type StepRow = {
  kind: "step";
  id: string;
  step: StepSummary;
  depth: number;
  label: string;
  expandable: boolean;
  collapsed: boolean;
};

export type GroupRow = {
  kind: "group";
  id: string;
  label: string;
  depth: number;
  start: string;
  end: string | null;
  status: string;
  steps: number;
  problems: number;
  collapsed: boolean;
};

export type TimelineRow = StepRow | GroupRow;
export type TimelineSort = "start" | "duration";

const lastSegment = (key: string) => key.slice(key.lastIndexOf("/") + 1);
const instanceOf = (key: string) => key.replace(/#\d+$/, "");

function span(steps: readonly StepSummary[], now: number): { start: string; end: string | null; ms: number } {
  let start = "";
  let end: string | null = "";
  for (const s of steps) {
    if (!start || s.enteredAt < start) start = s.enteredAt;
    if (end !== null) end = s.exitedAt === null ? null : s.exitedAt > end ? s.exitedAt : end;
  }
  const ms = (end ? Date.parse(end) : now) - Date.parse(start);
  return { start, end: end || null, ms };
}

const STATUS_ORDER = ["RUNNING", "FAILED", "TIMED_OUT", "ABORTED", "CANCELLED", "CAUGHT", "SUCCEEDED"];
function worst(steps: readonly StepSummary[]): string {
  let best = STATUS_ORDER.length;
  for (const s of steps)
    best = Math.min(best, STATUS_ORDER.indexOf(s.status) === -1 ? best : STATUS_ORDER.indexOf(s.status));
  return STATUS_ORDER[best] ?? "SUCCEEDED";
}

export function buildTimelineRows(
  steps: readonly StepSummary[],
  options: { sort: TimelineSort; failedOnly: boolean; collapsed: ReadonlySet<string>; now: number },
): TimelineRow[] {
  const byParent = new Map<string | null, StepSummary[]>();
  const keys = new Set(steps.map((s) => s.key));
  for (const step of steps) {
    // A parent the list does not hold (should not happen) puts the step at the top level rather than losing it.
    const parent = step.parentKey !== null && keys.has(step.parentKey) ? step.parentKey : null;
    const list = byParent.get(parent) ?? [];
    list.push(step);
    byParent.set(parent, list);
  }

  // Which steps have a problem in themselves or below (for the failed-only filter).
  const problem = new Map<string, boolean>();
  const hasProblem = (step: StepSummary): boolean => {
    const known = problem.get(step.key);
    if (known !== undefined) return known;
    problem.set(step.key, false); // guards against a cycle in malformed data
    const value =
      PROBLEM_STEP_STATUSES.has(step.status) || (byParent.get(step.key) ?? []).some((child) => hasProblem(child));
    problem.set(step.key, value);
    return value;
  };

  const duration = (s: StepSummary) => (s.exitedAt ? Date.parse(s.exitedAt) : options.now) - Date.parse(s.enteredAt);

  /** Siblings grouped by state instance (re-entries together), groups ordered by the chosen sort. */
  const ordered = (siblings: readonly StepSummary[]): StepSummary[] => {
    const groups = new Map<string, StepSummary[]>();
    for (const s of siblings) {
      const id = instanceOf(s.key);
      const list = groups.get(id) ?? [];
      list.push(s);
      groups.set(id, list);
    }
    const lists = [...groups.values()];
    for (const list of lists) list.sort((a, b) => a.enteredAt.localeCompare(b.enteredAt));
    if (options.sort === "duration") {
      const total = (list: StepSummary[]) => list.reduce((sum, s) => sum + duration(s), 0);
      lists.sort((a, b) => total(b) - total(a));
    } else {
      lists.sort((a, b) => (a[0]?.enteredAt ?? "").localeCompare(b[0]?.enteredAt ?? ""));
    }
    return lists.flat();
  };

  const rows: TimelineRow[] = [];
  const emit = (siblings: readonly StepSummary[], depth: number) => {
    for (const step of ordered(siblings)) {
      if (options.failedOnly && !hasProblem(step)) continue;
      const children = byParent.get(step.key) ?? [];
      const collapsed = options.collapsed.has(step.key);
      rows.push({
        kind: "step",
        id: step.key,
        step,
        depth,
        label: lastSegment(step.key),
        expandable: children.length > 0,
        collapsed,
      });
      if (children.length === 0 || collapsed) continue;
      const groupIndex = (s: StepSummary) =>
        step.stateType === "Map" ? s.mapIterationIndex : step.stateType === "Parallel" ? s.parallelBranchIndex : null;
      const grouped = new Map<number, StepSummary[]>();
      const loose: StepSummary[] = [];
      for (const child of children) {
        const index = groupIndex(child);
        if (index === null) loose.push(child);
        else grouped.set(index, [...(grouped.get(index) ?? []), child]);
      }
      const groups = [...grouped.entries()].map(([index, members]) => ({
        index,
        members,
        ...span(members, options.now),
      }));
      if (options.sort === "duration") groups.sort((a, b) => b.ms - a.ms);
      else groups.sort((a, b) => a.index - b.index);
      for (const group of groups) {
        const problems = group.members.filter((m) => hasProblem(m)).length;
        if (options.failedOnly && problems === 0) continue;
        const id = `${step.key}${step.stateType === "Map" ? `[${group.index}]` : `{${group.index}}`}`;
        const groupCollapsed = options.collapsed.has(id);
        rows.push({
          kind: "group",
          id,
          label: step.stateType === "Map" ? `Iteration ${group.index}` : `Branch ${group.index + 1}`,
          depth: depth + 1,
          start: group.start,
          end: group.end,
          status: worst(group.members),
          steps: group.members.length,
          problems,
          collapsed: groupCollapsed,
        });
        if (!groupCollapsed) emit(group.members, depth + 2);
      }
      if (loose.length) emit(loose, depth + 1);
    }
  };
  emit(byParent.get(null) ?? [], 0);
  return rows;
}

/** The time range the timeline spans: run start to its end, or to now while anything runs. */
export function timelineDomain(
  run: { startedAt: string; stoppedAt: string | null; status: string },
  steps: readonly StepSummary[],
  now: number,
): [number, number] {
  const start = Math.min(Date.parse(run.startedAt), ...steps.slice(0, 1).map((s) => Date.parse(s.enteredAt)));
  let end = run.stoppedAt ? Date.parse(run.stoppedAt) : now;
  for (const s of steps) {
    const t = s.exitedAt ? Date.parse(s.exitedAt) : now;
    if (t > end) end = t;
  }
  if (run.status === "RUNNING" || steps.some((s) => s.status === "RUNNING")) end = Math.max(end, now);
  return [start, Math.max(end, start + 1000)];
}
