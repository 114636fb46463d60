import { describe, expect, it } from "vitest";
import {
  durationMs,
  formatAgo,
  formatBytes,
  formatDelta,
  formatDuration,
  formatMetric,
  formatOffset,
  formatPercent,
  formatUsd,
  formatUtc,
  formatValue,
  plural,
  seriesPointUnit,
} from "./format";

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;

describe("formatDuration: one style for every duration", () => {
  it.each<[number | null | undefined, string]>([
    [null, "—"],
    [undefined, "—"],
    [Number.NaN, "—"],
    [Number.POSITIVE_INFINITY, "—"],
    [-5 * S, "0 s"],
    [0, "0 s"],
    [1, "0.0 s"],
    [400, "0.4 s"],
    [999, "1.0 s"],
    [S, "1 s"],
    [59 * S + 999, "59 s"],
    [MIN, "1 min 00 s"],
    [3 * MIN + 5 * S, "3 min 05 s"],
    [59 * MIN + 59 * S, "59 min 59 s"],
    [H, "1 h 00 min"],
    [2 * H + 14 * MIN + 59 * S, "2 h 14 min"],
    [23 * H + 59 * MIN, "23 h 59 min"],
    [D, "1 d 0 h"],
    [3 * D + 4 * H + 30 * MIN, "3 d 4 h"],
  ])("%s ms → %j", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("measures to now while a run has not ended, to its end once it has", () => {
    const now = Date.parse("2026-03-14T10:00:00Z");
    expect(durationMs("2026-03-14T09:58:30Z", null, now)).toBe(90 * S);
    expect(durationMs("2026-03-14T09:58:30Z", "2026-03-14T09:59:00Z", now)).toBe(30 * S);
  });
});

describe("formatOffset: compact axis labels", () => {
  it.each<[number, string]>([
    [-1, "0"],
    [0, "0"],
    [Number.NaN, "0"],
    [29.6, "30s"],
    [60, "1m"],
    [330, "5m30"],
    [3600, "1h"],
    [5400, "1h30"],
  ])("%s s → %j", (seconds, text) => {
    expect(formatOffset(seconds)).toBe(text);
  });
});

describe("formatUtc: dates in UTC whatever the machine's zone", () => {
  const iso = "2026-03-14T09:26:53.589Z";
  it.each<[string | number | Date | null | undefined, Parameters<typeof formatUtc>[1], string]>([
    [iso, undefined, "2026-03-14 09:26 UTC"],
    [iso, "minute", "2026-03-14 09:26 UTC"],
    [iso, "second", "2026-03-14 09:26:53 UTC"],
    [iso, "date", "2026-03-14"],
    [Date.parse(iso), "second", "2026-03-14 09:26:53 UTC"],
    [new Date(iso), "date", "2026-03-14"],
    ["2026-03-14T23:30:00-02:00", "minute", "2026-03-15 01:30 UTC"],
    [null, undefined, "—"],
    [undefined, undefined, "—"],
    ["", undefined, "—"],
    ["not a date", undefined, "—"],
  ])("%j (%s) → %j", (value, precision, text) => {
    expect(formatUtc(value, precision)).toBe(text);
  });
});

describe("formatAgo: coarse, against a given now", () => {
  const now = Date.parse("2026-03-14T12:00:00Z");
  it.each<[string | null | undefined, string]>([
    [null, "never"],
    [undefined, "never"],
    ["garbage", "—"],
    ["2026-03-14T12:00:30Z", "just now"],
    ["2026-03-14T11:59:30Z", "just now"],
    ["2026-03-14T11:55:00Z", "5 min ago"],
    ["2026-03-14T09:00:00Z", "3 h ago"],
    ["2026-03-12T13:00:00Z", "47 h ago"],
    ["2026-03-10T12:00:00Z", "4 days ago"],
  ])("%j → %j", (iso, text) => {
    expect(formatAgo(iso, now)).toBe(text);
  });
});

describe("numbers", () => {
  it.each<[number | null | undefined, string]>([
    [null, "—"],
    [Number.NaN, "—"],
    [0, "0"],
    [0.912345, "0.9123"],
    [12.3456, "12.35"],
    [1234.5, "1235"],
    [-0.5, "-0.5"],
    [2.5e9, "2.500e+9"],
    [1.5e-7, "1.500e-7"],
  ])("formatValue(%s) → %j", (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  it.each<[number | null | undefined, string]>([
    [undefined, "—"],
    [42, "42"],
    [123.456, "123.5"],
    [1.23456, "1.235"],
    [0.912345, "0.9123"],
  ])("formatMetric(%s) → %j", (value, text) => {
    expect(formatMetric(value)).toBe(text);
  });

  it.each<[number, number | null | undefined, string]>([
    [1.1, 1, "+0.1 (+10.0%)"],
    [2, 4, "−2 (−50.0%)"],
    [3, 3, "±0 (±0.0%)"],
    [1, 0, "+1"],
    [1, null, "—"],
  ])("formatDelta(%s, %s) → %j", (value, previous, text) => {
    expect(formatDelta(value, previous)).toBe(text);
  });

  it.each<[number | null | undefined, string]>([
    [null, "—"],
    [0, "0%"],
    [0.873, "87%"],
    [1, "100%"],
  ])("formatPercent(%s) → %j", (value, text) => {
    expect(formatPercent(value)).toBe(text);
  });

  it.each<[number | null | undefined, string]>([
    [null, "—"],
    [0.4213, "$0.42"],
    [12.5, "$12.50"],
    [1234.4, "$1234"],
  ])("formatUsd(%s) → %j", (value, text) => {
    expect(formatUsd(value)).toBe(text);
  });

  it.each<[number, string]>([
    [-1, "—"],
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [2560, "2.5 KiB"],
    [40 * 1024 + 100, "40 KiB"],
    [1.25 * 1024 * 1024, "1.3 MiB"],
  ])("formatBytes(%s) → %j", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe("plural: a count and its noun", () => {
  it.each([
    [0, "item", "0 items"],
    [1, "item", "1 item"],
    [2, "unsuccessful item", "2 unsuccessful items"],
    [1600, "regression", "1,600 regressions"],
  ])("plural(%s, %j) → %j", (n, word, text) => {
    expect(plural(n, word)).toBe(text);
  });
});

describe("seriesPointUnit", () => {
  it("names a point by the Period its series was read at", () => {
    expect(seriesPointUnit(null)).toEqual({ one: "epoch", many: "epochs", per: "epoch" });
    expect(seriesPointUnit(1)).toEqual({ one: "epoch", many: "epochs", per: "epoch" });
    expect(seriesPointUnit(60)).toEqual({ one: "1-minute bucket", many: "1-minute buckets", per: "minute" });
    expect(seriesPointUnit(300)).toEqual({ one: "5-minute bucket", many: "5-minute buckets", per: "5 minutes" });
    expect(seriesPointUnit(3600)).toEqual({ one: "1-hour bucket", many: "1-hour buckets", per: "hour" });
    expect(seriesPointUnit(30)).toEqual({ one: "30-second bucket", many: "30-second buckets", per: "30 seconds" });
  });
});
