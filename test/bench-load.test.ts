import { describe, expect, it } from "vitest";
import { checkIdle, IDLE_LOAD, type LoadSample } from "../bench/lib/load";

const at = (load1: number): LoadSample => ({
  at: "2026-01-01T00:00:00.000Z",
  label: "start",
  load1,
  load5: load1,
  load15: load1,
});
const quiet = { log: () => undefined, sleep: async () => undefined };

describe("the bench's idle check", () => {
  it("lets an idle machine start without a warning", async () => {
    const d = await checkIdle({
      strict: true,
      allowBusy: false,
      waitMinutes: 0,
      sampler: () => at(IDLE_LOAD),
      ...quiet,
    });
    expect(d).toMatchObject({ go: true, warning: null });
  });

  it("refuses a full-scale run on a busy machine, and says why", async () => {
    const d = await checkIdle({ strict: true, allowBusy: false, waitMinutes: 0, sampler: () => at(4.2), ...quiet });
    expect(d.go).toBe(false);
    expect(d.warning).toContain("4.2");
  });

  it("goes on with a warning when told to, or at quick scale", async () => {
    const forced = await checkIdle({ strict: true, allowBusy: true, waitMinutes: 0, sampler: () => at(4.2), ...quiet });
    expect(forced.go).toBe(true);
    expect(forced.warning).toContain("busy");
    const quick = await checkIdle({ strict: false, allowBusy: false, waitMinutes: 0, sampler: () => at(3), ...quiet });
    expect(quick).toMatchObject({ go: true });
    expect(quick.warning).not.toBeNull();
  });

  it("waits for the load to fall when asked to", async () => {
    const loads = [5, 3, 1.2];
    const d = await checkIdle({
      strict: true,
      allowBusy: false,
      waitMinutes: 5,
      sampler: () => at(loads.shift() ?? 9),
      ...quiet,
    });
    expect(d).toMatchObject({ go: true, warning: null });
    expect(d.sample.load1).toBe(1.2);
  });
});
