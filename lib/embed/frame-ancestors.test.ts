import { describe, expect, it } from "vitest";
import { frameAncestorsDirective, isEmbedPath, parseFrameAncestors } from "./frame-ancestors";

describe("STEPWISE_FRAME_ANCESTORS", () => {
  it("is off by default: nothing may frame any page", () => {
    const setting = parseFrameAncestors(undefined);
    for (const path of ["/embed/runs/r1", "/pipelines", "/login", "/embed/signin"]) {
      expect(frameAncestorsDirective(path, setting)).toBe("frame-ancestors 'none'");
    }
  });

  it("lets the listed origins frame the embeddable views only", () => {
    const setting = parseFrameAncestors("https://backstage.example.com, http://localhost:7007 https://*.corp.example");
    expect(setting.rejected).toEqual([]);
    expect(frameAncestorsDirective("/embed/runs/r1", setting)).toBe(
      "frame-ancestors 'self' https://backstage.example.com http://localhost:7007 https://*.corp.example",
    );
    for (const path of ["/runs/r1", "/pipelines", "/login", "/api/v1/runs", "/embedded", "/embed-x"]) {
      expect(frameAncestorsDirective(path, setting)).toBe("frame-ancestors 'none'");
    }
  });

  it.each([
    ["*", "a wildcard for every origin"],
    ["'unsafe-inline'", "a CSP keyword"],
    ["https://a.example/path", "a path"],
    ["javascript:alert(1)", "another scheme"],
    ["https://a.example; script-src *", "a second directive smuggled in"],
    ["backstage.example.com", "no scheme"],
  ])("rejects %s (%s) instead of writing it into the policy", (value) => {
    const setting = parseFrameAncestors(value);
    expect(setting.origins).not.toContain(value);
    expect(setting.rejected.length).toBeGreaterThan(0);
    expect(frameAncestorsDirective("/embed/runs/r1", setting)).not.toContain(";");
    expect(frameAncestorsDirective("/embed/runs/r1", setting)).not.toMatch(/script-src|\*$|unsafe|javascript/);
  });

  it("knows the embed paths", () => {
    expect(isEmbedPath("/embed/runs/x")).toBe(true);
    expect(isEmbedPath("/embed")).toBe(true);
    expect(isEmbedPath("/embedded/x")).toBe(false);
  });
});
