import { describe, expect, it } from "vitest";
import { lowerId, planStream } from "./stream-plan";

const none = new Set<string>();
const plan = (options: Partial<Parameters<typeof planStream>[0]> & { topics: string[] }) =>
  planStream({ covered: none, point: null, declared: new Map(), ...options });

describe("planStream", () => {
  it("a page's first stream without a stated id replays nothing and refetches every topic (as before)", () => {
    expect(plan({ topics: ["inbox", "run:a"] })).toEqual({ after: null, refetch: ["inbox", "run:a"] });
  });

  it("a page's first stream starts after the render's id and refetches only the topics stated by no one", () => {
    expect(plan({ topics: ["inbox", "run:a"], declared: new Map([["run:a", "41"]]) })).toEqual({
      after: "41",
      refetch: ["inbox"],
    });
  });

  it("sections as of different ids: the stream starts after the lowest, so neither misses a change", () => {
    const declared = new Map([
      ["run:a", "90"],
      ["pipeline:7", "75"],
    ]);
    expect(plan({ topics: ["pipeline:7", "run:a"], declared })).toEqual({ after: "75", refetch: [] });
  });

  it("a stream replacing another carries on from its point for the topics it covered", () => {
    const covered = new Set(["inbox", "run:a"]);
    expect(plan({ topics: ["inbox", "run:b"], covered, point: "120" })).toEqual({ after: "120", refetch: ["run:b"] });
    expect(plan({ topics: ["inbox", "run:b"], covered, point: "120", declared: new Map([["run:b", "118"]]) })).toEqual({
      after: "118",
      refetch: [],
    });
  });

  it("covered topics without a known point are refetched (no id was ever seen)", () => {
    expect(plan({ topics: ["inbox", "run:b"], covered: new Set(["inbox"]), point: null })).toEqual({
      after: null,
      refetch: ["inbox", "run:b"],
    });
  });

  it("ids past 2^53 keep their precision, and malformed ids count as none", () => {
    const big = "900719925474099312";
    expect(plan({ topics: ["run:a"], declared: new Map([["run:a", big]]) }).after).toBe(big);
    expect(plan({ topics: ["run:a"], declared: new Map([["run:a", "12; DROP"]]) })).toEqual({
      after: null,
      refetch: ["run:a"],
    });
    expect(lowerId("900719925474099312", "900719925474099311")).toBe("900719925474099311");
    expect(lowerId(undefined, "5")).toBe("5");
    expect(lowerId("10", "9")).toBe("9");
    expect(lowerId("9", "10")).toBe("9");
  });
});
