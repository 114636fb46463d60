import { describe, expect, it } from "vitest";
import { findMapRun, mapRunLabel, mapRunToken, parseAttempt } from "./run-url";

const arn = (label: string, id: string) =>
  `arn:aws:states:eu-west-1:123456789012:mapRun:search-ranking-ltr/${label}:${id}`;
const runs = [
  { mapRunArn: arn("ScoreCategories", "a1"), stepKey: "ScoreCategories" },
  { mapRunArn: arn("Shards", "b2"), stepKey: "Shards" },
  { mapRunArn: arn("Shards", "c3"), stepKey: "Shards" },
];

describe("the run page's attempt and Map Run in the URL", () => {
  it("names a Map Run by its label when unique, else by its 1-based position", () => {
    expect(mapRunLabel(runs[0]?.mapRunArn ?? "")).toBe("ScoreCategories");
    expect(mapRunToken(runs, arn("ScoreCategories", "a1"))).toBe("ScoreCategories");
    expect(mapRunToken(runs, arn("Shards", "c3"))).toBe("3");
    for (const run of runs) expect(findMapRun(runs, mapRunToken(runs, run.mapRunArn))).toBe(run);
  });

  it("ignores Map Run values that name nothing", () => {
    for (const bad of [null, "", "0", "4", "-1", "Shards", "Nope", "1e3", "99999999", "%00"]) {
      expect(findMapRun(runs, bad)).toBeUndefined();
    }
  });

  it("takes an attempt only as a number within the step's attempts", () => {
    expect(parseAttempt("2", 4)).toBe(2);
    expect(parseAttempt("4", 4)).toBe(4);
    for (const bad of [null, "", "0", "5", "-1", "2.5", "two", "1e1", " 2"]) expect(parseAttempt(bad, 4)).toBeNull();
  });
});
