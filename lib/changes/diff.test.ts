import { describe, expect, it } from "vitest";
import { isRegression } from "@/lib/metrics/regression";
import {
  computeChanges,
  dataLocations,
  diffMaps,
  flattenJson,
  jobSlot,
  type RunFacts,
  stepDurationChanges,
} from "./diff";

const facts = (over: Partial<RunFacts>): RunFacts => ({
  publicId: "a",
  name: "a",
  status: "SUCCEEDED",
  startedAt: "2026-01-01T00:00:00.000Z",
  stoppedAt: "2026-01-01T01:00:00.000Z",
  revisionId: 1,
  input: null,
  jobs: [],
  steps: [],
  metrics: [],
  ...over,
});

describe("changes diff", () => {
  it("flattens JSON input to paths, arrays by index, and keeps unparsable input as one entry", () => {
    expect([...flattenJson('{"a":{"b":[1,{"c":null}]},"e":{},"f":"x"}')]).toEqual([
      ["a.b[0]", "1"],
      ["a.b[1].c", "null"],
      ["e", "{}"],
      ["f", "x"],
    ]);
    expect([...flattenJson("not json")]).toEqual([["(input)", "not json"]]);
    expect([...flattenJson('"text"')]).toEqual([["(input)", "text"]]);
    expect(flattenJson(null).size).toBe(0);
    // A hostile input stays bounded.
    const huge = JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])));
    expect(flattenJson(huge).size).toBe(500);
  });

  it("reports added, removed and changed paths only", () => {
    const before = new Map([
      ["a", "1"],
      ["b", "2"],
      ["same", "x"],
    ]);
    const after = new Map([
      ["a", "1"],
      ["b", "3"],
      ["c", "4"],
      ["same", "x"],
    ]);
    expect(diffMaps(before, after).map((c) => [c.key, c.kind])).toEqual([
      ["b", "changed"],
      ["c", "added"],
    ]);
    expect(diffMaps(after, before).map((c) => [c.key, c.kind])).toEqual([
      ["b", "changed"],
      ["c", "removed"],
    ]);
  });

  it("reads data locations of training, processing and transform inputs", () => {
    expect([
      ...dataLocations([
        { ChannelName: "train", DataSource: { S3DataSource: { S3Uri: "s3://a" } } },
        { InputName: "code", S3Input: { S3Uri: "s3://b", LocalPath: "/opt" } },
        { DataSource: { S3DataSource: { S3Uri: "s3://c" } } },
        { ChannelName: "nothing" },
      ]),
    ]).toEqual([
      ["train", "s3://a"],
      ["code", "s3://b"],
      ["input 3", "s3://c"],
    ]);
    expect(dataLocations("not an array").size).toBe(0);
  });

  it("matches jobs by their step without the attempt suffix", () => {
    expect(jobSlot({ stepKey: "Train#2", kind: "TRAINING" })).toBe("Train");
    expect(jobSlot({ stepKey: "Markets[3]/Train", kind: "TRAINING" })).toBe("Markets[3]/Train");
    expect(jobSlot({ stepKey: null, kind: "PROCESSING" })).toBe("processing");
  });

  it("orders step durations by the size of the change, then steps of one run only", () => {
    const step = (key: string, minutes: number | null) => ({
      key,
      enteredAt: "2026-01-01T00:00:00.000Z",
      exitedAt: minutes === null ? null : new Date(Date.UTC(2026, 0, 1) + minutes * 60_000).toISOString(),
    });
    const base = facts({ steps: [step("A", 10), step("B", 10), step("C", 10), step("Gone", 1)] });
    const cur = facts({ steps: [step("A", 12), step("B", 4), step("C", 10), step("New", 30), step("Running", null)] });
    expect(stepDurationChanges(cur, base).map((s) => [s.key, s.deltaMs])).toEqual([
      ["B", -6 * 60_000],
      ["A", 2 * 60_000],
      ["New", null],
      ["Gone", null],
      ["Running", null],
    ]);
  });

  it("without a baseline gives only the run's metrics and the note", () => {
    const changes = computeChanges(
      facts({ metrics: [{ name: "validation:loss", value: 0.5, baseValue: 0.4, baseN: 5 }] }),
      null,
      { thresholdPercent: 3, note: "none" },
    );
    expect(changes.baseline).toBeNull();
    expect(changes.note).toBe("none");
    expect(changes.definition.changed).toBe(false);
    expect(changes.metrics[0]).toMatchObject({ regressed: true, trailingBaseline: 0.4 });
    expect(changes.summary).toEqual(["validation:loss 0.5000 vs baseline 0.4000 (+25.0 %)"]);
  });

  it("needs three values behind a baseline and a change beyond the threshold, in the metric's direction", () => {
    expect(isRegression({ name: "validation:auc", value: 0.7, baseValue: 0.8, baseN: 2 })).toBe(false);
    expect(isRegression({ name: "validation:auc", value: 0.7, baseValue: 0.8, baseN: 3 })).toBe(true);
    expect(isRegression({ name: "validation:auc", value: 0.9, baseValue: 0.8, baseN: 3 })).toBe(false);
    expect(isRegression({ name: "validation:rmse", value: 0.9, baseValue: 0.8, baseN: 3 })).toBe(true);
    expect(isRegression({ name: "validation:auc", value: 0.98, baseValue: 1, baseN: 3 })).toBe(false);
    expect(isRegression({ name: "validation:auc", value: 0.96, baseValue: 1, baseN: 3 })).toBe(true);
    expect(isRegression({ name: "x", value: 1, baseValue: 0, baseN: 9 })).toBe(false);
  });
});
