import { describe, expect, it } from "vitest";
import { extent, nearestIndex } from "./nearest";

describe("nearestIndex", () => {
  it("finds the nearest value, preferring the left one on ties, and clamps at the ends", () => {
    const xs = [1, 3, 7, 7, 10];
    expect(nearestIndex(xs, -5)).toBe(0);
    expect(nearestIndex(xs, 2)).toBe(0);
    expect(nearestIndex(xs, 2.1)).toBe(1);
    expect(nearestIndex(xs, 6)).toBe(2);
    expect(nearestIndex(xs, 9)).toBe(4);
    expect(nearestIndex(xs, 99)).toBe(4);
    expect(nearestIndex([], 1)).toBe(-1);
  });

  it("agrees with a linear scan on pseudo-random data (seeded: the same cases every run)", () => {
    let state = 20261130;
    // Park–Miller: enough spread for a property check, and reproducible when it fails.
    const random = () => {
      state = (state * 48271) % 2147483647;
      return state / 2147483647;
    };
    const xs = Array.from({ length: 500 }, () => random() * 1000).sort((a, b) => a - b);
    for (let k = 0; k < 200; k++) {
      const t = random() * 1100 - 50;
      const best = Math.min(...xs.map((x) => Math.abs(x - t)));
      expect(Math.abs((xs[nearestIndex(xs, t)] as number) - t)).toBe(best);
    }
  });
});

describe("extent", () => {
  it("skips nulls and non-finite values", () => {
    expect(extent([3, null, 1], [Number.NaN, 7])).toEqual([1, 7]);
    expect(extent([null])).toBeNull();
  });
});
