import { describe, expect, it } from "vitest";
import { overviewParams, requestWidth, seriesParams, seriesUrl, widthFromCookie } from "./series-request";

describe("the graph's requests", () => {
  it("requests widths in 40 px steps, at least 320", () => {
    expect([0, 100, 359.9, 360, 1234.5].map(requestWidth)).toEqual([320, 320, 320, 360, 1200]);
  });

  it("reads back only a width the graph could have written", () => {
    expect(widthFromCookie("1200")).toBe(1200);
    for (const bad of [undefined, "", "1210", "300", "-400", "1e3", " 1200", "1200px", "<script>", "99999999"]) {
      expect(widthFromCookie(bad), String(bad)).toBeNull();
    }
  });

  it("builds the same URLs for the page's preload and the graph's fetch", () => {
    const state = {
      metrics: ["validation:auc", "validation:loss"],
      x: "time" as const,
      from: null,
      to: null,
      threshold: 3,
    };
    expect(seriesUrl(7, seriesParams(state, 1200))).toBe(
      "/api/v1/pipelines/7/metrics?names=validation%3Aauc%2Cvalidation%3Aloss&width=1120&x=time&threshold=3",
    );
    expect(seriesUrl(7, overviewParams(state, 1200))).toBe(
      "/api/v1/pipelines/7/metrics?names=validation%3Aauc&width=560&x=time",
    );
    expect(seriesParams({ ...state, from: "2025-01-01", to: "2025-02-01" }, 400)).toMatchObject({
      from: "2025-01-01",
      to: "2025-02-01",
    });
  });
});
