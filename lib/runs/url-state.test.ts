/**
 * The run page's URL state, parsed in the browser without zod: a copied link reproduces the view, and a
 * hand-edited or stale one falls back to defaults value by value (never an error).
 */
import { describe, expect, it } from "vitest";
import { formatLogPosition, parseLogPosition } from "./log-position";
import { JobLogsQuery } from "./logs-schema";
import { parseViewState } from "./view-state";

describe("parseViewState", () => {
  it("reads every key of a copied link", () => {
    expect(
      parseViewState({
        step: "Train#2",
        tab: "job",
        zoom: "4",
        window: "12.5",
        iteration: "3",
        filter: "failed",
        sort: "duration",
      }),
    ).toEqual({ step: "Train#2", tab: "job", zoom: 4, window: 12.5, iteration: 3, filter: "failed", sort: "duration" });
  });

  it("drops each bad value alone and keeps the rest", () => {
    const cases: [Record<string, string | string[] | undefined>, Record<string, unknown>][] = [
      [{}, {}],
      [{ step: "x".repeat(513), tab: "input" }, { tab: "input" }],
      [{ step: "x".repeat(512) }, { step: "x".repeat(512) }],
      [{ tab: "metrics" }, {}],
      [{ tab: "constructor" }, {}],
      [{ zoom: "0.5" }, {}],
      [{ zoom: "513" }, {}],
      [{ zoom: "1" }, { zoom: 1 }],
      [{ zoom: "abc" }, {}],
      [{ zoom: "Infinity" }, {}],
      [{ zoom: "" }, {}],
      [{ window: "" }, { window: 0 }],
      [{ window: "-1" }, {}],
      [{ window: "1e9" }, { window: 1e9 }],
      [{ window: "1e10" }, {}],
      [{ iteration: "2.5" }, {}],
      [{ iteration: "1000001" }, {}],
      [{ iteration: "0" }, { iteration: 0 }],
      [{ filter: "FAILED" }, {}],
      [{ sort: "name" }, {}],
      // A repeated key: the first value counts, as the server reads it.
      [
        { tab: ["output", "input"], zoom: ["2", "oops"] },
        { tab: "output", zoom: 2 },
      ],
    ];
    for (const [query, expected] of cases) {
      const parsed = parseViewState(query);
      const defined = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined));
      expect(defined, JSON.stringify(query)).toEqual(expected);
    }
  });
});

describe("log positions", () => {
  it("round-trips a line's place, splitting at the last ':'", () => {
    const p = { stream: "train-7/algo-1-1780000000", timestamp: 1_780_000_123_456, n: 2 };
    expect(parseLogPosition(formatLogPosition(p))).toEqual(p);
  });

  it("refuses what is not a stream name and a line number, without throwing", () => {
    for (const bad of [
      null,
      undefined,
      "",
      ":1-0",
      "stream",
      "stream:12",
      "stream:12-",
      "stream:x-1",
      "stream:1234567890123456-0",
      "stream:1-123456",
      "st*ream:1-0",
      "st\u0007ream:1-0",
      `${"s".repeat(513)}:1-0`,
      `${"s".repeat(600)}:1-0`,
    ]) {
      expect(parseLogPosition(bad), String(bad)).toBeNull();
    }
    expect(parseLogPosition(`${"s".repeat(512)}:1-0`)?.stream).toHaveLength(512);
  });

  it("accepts exactly the stream names the logs API accepts", () => {
    for (const stream of ["a", "train/algo-1-1780000000", "ümlaut stream", "s".repeat(512), "s".repeat(513), "a*b"]) {
      const api = JobLogsQuery.safeParse({ step: "Train", stream }).success;
      expect(parseLogPosition(`${stream}:1-0`) !== null, stream).toBe(api);
    }
  });
});
