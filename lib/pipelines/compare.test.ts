import { describe, expect, it } from "vitest";
import { hyperParameterRows, inputRows, metricRows, stepRows } from "./compare";
import type { ComparedRun } from "./queries";

const run = (over: Partial<ComparedRun>): ComparedRun => ({
  id: 1,
  publicId: "a",
  name: "a",
  status: "SUCCEEDED",
  revision_id: 1,
  redrive_count: 0,
  startedAt: "2025-01-01T00:00:00.000Z",
  stoppedAt: null,
  durationMs: 1000,
  input: null,
  metrics: {},
  jobs: [],
  steps: [],
  ...over,
});

describe("compare rows", () => {
  it("computes metric deltas against the first run, in each metric's better direction", () => {
    const rows = metricRows(
      [
        run({ metrics: { "validation:auc": 0.8, "validation:loss": 0.5 } }),
        run({ metrics: { "validation:auc": 0.82, "validation:loss": 0.55 } }),
        run({ metrics: { "validation:auc": 0.75 } }),
      ],
      String,
    );
    const auc = rows.find((r) => r.key === "validation:auc");
    const loss = rows.find((r) => r.key === "validation:loss");
    expect(auc?.cells.map((c) => c.delta?.toFixed(2) ?? null)).toEqual([null, "0.02", "-0.05"]);
    expect(auc?.cells.map((c) => c.better)).toEqual([null, true, false]);
    expect(loss?.cells.map((c) => c.better)).toEqual([null, false, null]);
    expect(loss?.cells[2]?.text).toBe("—");
  });

  it("heads a metric row with the metric's label: the run cost by its words, never its reserved name", () => {
    const rows = metricRows(
      [run({ metrics: { "stepwise:run_cost_usd": 1.5, "validation:auc": 0.8 } }), run({ metrics: {} })],
      String,
    );
    expect(rows.map((r) => [r.key, r.label])).toEqual([
      ["stepwise:run_cost_usd", "Cost per run (USD, approx.)"],
      ["validation:auc", "validation:auc"],
    ]);
  });

  it("aligns hyperparameters, inputs and steps and flags the rows that differ", () => {
    const runs = [
      run({
        input: '{"dataset":{"train":"s3://a"},"trigger":"schedule"}',
        jobs: [
          {
            name: "j",
            kind: "TRAINING",
            status: "Completed",
            hyperParameters: { lr: "0.1", depth: "6" },
            inputs: [],
            instanceType: null,
            instanceCount: null,
            billableSeconds: null,
            durationMs: null,
          },
        ],
        steps: [{ state: "Train", type: "Task", attempts: 1, status: "SUCCEEDED", durationMs: 1000 }],
      }),
      run({
        input: '{"dataset":{"train":"s3://b"},"trigger":"schedule"}',
        jobs: [
          {
            name: "j",
            kind: "TRAINING",
            status: "Completed",
            hyperParameters: { lr: "0.2", depth: "6" },
            inputs: [],
            instanceType: null,
            instanceCount: null,
            billableSeconds: null,
            durationMs: null,
          },
        ],
        steps: [
          { state: "Prepare", type: "Task", attempts: 1, status: "SUCCEEDED", durationMs: 10 },
          { state: "Train", type: "Task", attempts: 2, status: "SUCCEEDED", durationMs: 1500 },
        ],
      }),
    ];
    expect(hyperParameterRows(runs).map((r) => [r.key, r.differs])).toEqual([
      ["depth", false],
      ["lr", true],
    ]);
    expect(inputRows(runs).map((r) => [r.key, r.differs])).toEqual([
      ["dataset.train", true],
      ["trigger", false],
    ]);
    const steps = stepRows(runs, String);
    expect(steps.map((s) => s.key)).toEqual(["Train", "Prepare"]);
    expect(steps[0]?.cells[1]?.delta).toBe(500);
    expect(steps[0]?.cells[1]?.better).toBe(false);
  });
});
