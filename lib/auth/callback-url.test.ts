import { describe, expect, it } from "vitest";
import { DEFAULT_AFTER_LOGIN, safeCallbackPath, sameOriginRedirect } from "./callback-url";

describe("safeCallbackPath", () => {
  it.each([
    ["/models?x=1", "/models?x=1"],
    ["/runs/r_abc?step=Train%232&tab=metrics", "/runs/r_abc?step=Train%232&tab=metrics"],
    ["/pipelines/42#graph", "/pipelines/42#graph"],
    ["/", "/"],
  ])("keeps the same-origin path %s", (input, expected) => {
    expect(safeCallbackPath(input)).toBe(expected);
  });

  it.each([
    "https://evil.example/phish",
    "http://localhost:3000.evil.example/",
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "/%2Fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "%252F%252Fevil.example",
    "/%252F/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " /models",
    "/models\n//evil",
    "/\t/evil.example",
    "evil.example",
    "",
    "/login?callbackUrl=/models",
    "/api/auth/signout",
  ])("refuses %j", (input) => {
    expect(safeCallbackPath(input)).toBe(DEFAULT_AFTER_LOGIN);
  });

  it("refuses non-strings and very long values", () => {
    expect(safeCallbackPath(undefined)).toBe(DEFAULT_AFTER_LOGIN);
    expect(safeCallbackPath(["/models"])).toBe(DEFAULT_AFTER_LOGIN);
    expect(safeCallbackPath(`/${"a".repeat(3000)}`)).toBe(DEFAULT_AFTER_LOGIN);
    expect(safeCallbackPath("//evil", "/home")).toBe("/home");
  });
});

describe("sameOriginRedirect (next-auth redirect callback)", () => {
  const base = "https://stepwise.example.com";
  it("keeps same-origin targets, absolute or relative", () => {
    expect(sameOriginRedirect("/models?x=1", base)).toBe(`${base}/models?x=1`);
    expect(sameOriginRedirect(`${base}/runs/abc?tab=graph`, base)).toBe(`${base}/runs/abc?tab=graph`);
  });
  it("sends everything else to the default page on our origin", () => {
    for (const url of [
      "https://evil.example/x",
      "//evil.example",
      "/\\evil.example",
      "/%2F%2Fevil.example",
      "https://stepwise.example.com.evil.example/",
      "javascript:alert(1)",
    ]) {
      expect(sameOriginRedirect(url, base)).toBe(`${base}${DEFAULT_AFTER_LOGIN}`);
    }
    expect(sameOriginRedirect(base, base)).toBe(`${base}${DEFAULT_AFTER_LOGIN}`);
  });
});
