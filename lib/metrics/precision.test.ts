import { describe, expect, it } from "vitest";
import { roundNullable, roundSignificant, SERIES_DIGITS } from "./precision";

/** The significant digits JavaScript writes for a number ("0.0001234568" → 7, "1.5e-20" → 2). */
function writtenDigits(value: number): number {
  const mantissa = Math.abs(value).toString().split("e")[0]?.replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return mantissa?.length ?? 0;
}

/** A fixed spread of values over 30 orders of magnitude, both signs (a formula, not chance: the same every run). */
const VALUES = Array.from({ length: 4000 }, (_, i) => {
  const frac = Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1;
  return (i % 2 ? -1 : 1) * (0.5 + frac) * 10 ** ((i % 31) - 16);
});

describe("roundSignificant", () => {
  it("keeps 7 significant digits, the nearest ones", () => {
    expect(SERIES_DIGITS).toBe(7);
    expect(roundSignificant(0.91234567891234)).toBe(0.9123457);
    expect(roundSignificant(-0.00012345678)).toBe(-0.0001234568);
    expect(roundSignificant(123456789)).toBe(123456800);
    expect(roundSignificant(0.1 + 0.2)).toBe(0.3);
    expect(roundSignificant(0.873)).toBe(0.873);
    expect(roundSignificant(2.5e-20)).toBe(2.5e-20);
    expect(roundSignificant(1.23456789e25)).toBe(1.234568e25);
    expect(roundSignificant(9.99999999)).toBe(10);
    expect(roundSignificant(0.91234567891234, 3)).toBe(0.912);
  });

  it("returns zero, infinities and NaN as they are", () => {
    expect(roundSignificant(0)).toBe(0);
    expect(Object.is(roundSignificant(-0), -0)).toBe(true);
    expect(roundSignificant(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(roundSignificant(Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(roundSignificant(Number.NaN)).toBeNaN();
    expect(roundNullable(null)).toBe(null);
    expect(roundNullable(0.91234567891234)).toBe(0.9123457);
  });

  it("is written with at most 7 digits, within half a unit of the 7th, symmetric in sign, across 30 magnitudes", () => {
    for (const value of VALUES) {
      const rounded = roundSignificant(value);
      expect(writtenDigits(rounded), `${value} → ${rounded}`).toBeLessThanOrEqual(SERIES_DIGITS);
      const unit = 10 ** (Math.floor(Math.log10(Math.abs(value))) - (SERIES_DIGITS - 1));
      expect(Math.abs(rounded - value), `${value} → ${rounded}`).toBeLessThanOrEqual(unit * 0.5000001);
      expect(roundSignificant(-value)).toBe(-rounded);
      // The same as the string round trip, except where the two break a tie differently.
      const viaString = Number(value.toPrecision(SERIES_DIGITS));
      if (rounded !== viaString)
        expect(Math.abs(Math.abs(rounded - value) - Math.abs(viaString - value))).toBeLessThanOrEqual(unit * 1e-6);
    }
  });
});
