import { describe, expect, it } from "vitest";
import type { StepSummary } from "@/lib/runs/schema";
import { buildTimelineRows, timelineDomain } from "./timeline-rows";

const base = "2026-01-01T00:00:00.000Z";
const at = (s: number) => new Date(Date.parse(base) + s * 1000).toISOString();

function step(key: string, start: number, end: number | null, extra: Partial<StepSummary> = {}): StepSummary {
  return {
    key,
    parentKey: null,
    stateName: key.split("/").pop()?.replace(/#\d+$/, "") ?? key,
    stateType: "Task",
    status: end === null ? "RUNNING" : "SUCCEEDED",
    enteredAt: at(start),
    exitedAt: end === null ? null : at(end),
    attempts: 1,
    mapIterationIndex: null,
    parallelBranchIndex: null,
    depth: 0,
    resourceType: null,
    error: null,
    jobName: null,
    jobKind: null,
    jobStatus: null,
    attemptLog: null,
    jobPhases: null,
    ...extra,
  };
}

const steps: StepSummary[] = [
  step("Prepare", 0, 1),
  step("Train", 1, 5, { status: "FAILED" }),
  step("Fan", 6, 60, { stateType: "Map" }),
  step("Fan[1]/Work", 7, 50, { parentKey: "Fan", mapIterationIndex: 1, depth: 1 }),
  step("Fan[0]/Work", 7, 20, { parentKey: "Fan", mapIterationIndex: 0, depth: 1, status: "FAILED" }),
  step("Train#2", 61, null),
];
const opts = { sort: "start" as const, failedOnly: false, collapsed: new Set<string>(), now: Date.parse(at(100)) };

describe("timeline rows", () => {
  it("groups Map iterations under their state and keeps re-entries together", () => {
    const rows = buildTimelineRows(steps, opts);
    expect(rows.map((r) => `${r.kind}:${r.id}`)).toEqual([
      "step:Prepare",
      "step:Train",
      "step:Train#2",
      "step:Fan",
      "group:Fan[0]",
      "step:Fan[0]/Work",
      "group:Fan[1]",
      "step:Fan[1]/Work",
    ]);
    expect(rows.find((r) => r.id === "Fan[0]")).toMatchObject({ label: "Iteration 0", status: "FAILED", problems: 1 });
  });

  it("filters to failed steps with their context, sorts by duration and collapses", () => {
    const failed = buildTimelineRows(steps, { ...opts, failedOnly: true });
    expect(failed.map((r) => r.id)).toEqual(["Train", "Fan", "Fan[0]", "Fan[0]/Work"]);
    const byDuration = buildTimelineRows(steps, { ...opts, sort: "duration" });
    expect(byDuration.map((r) => r.id).slice(0, 4)).toEqual(["Fan", "Fan[1]", "Fan[1]/Work", "Fan[0]"]);
    const collapsed = buildTimelineRows(steps, { ...opts, collapsed: new Set(["Fan"]) });
    expect(collapsed.map((r) => r.id)).not.toContain("Fan[0]");
  });

  it("spans the run and grows with the clock while something runs", () => {
    const [start, end] = timelineDomain(
      { startedAt: base, stoppedAt: null, status: "RUNNING" },
      steps,
      Date.parse(at(100)),
    );
    expect(start).toBe(Date.parse(base));
    expect(end).toBe(Date.parse(at(100)));
  });

  it("builds rows for 2,000 Map iterations", () => {
    const many: StepSummary[] = [step("Fan", 0, 3000, { stateType: "Map" })];
    for (let i = 0; i < 2000; i++) {
      many.push(step(`Fan[${i}]/Work`, i, i + 10, { parentKey: "Fan", mapIterationIndex: i, depth: 1 }));
    }
    const rows = buildTimelineRows(many, opts);
    expect(rows).toHaveLength(1 + 2000 * 2);
  });
});
