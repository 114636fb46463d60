import { describe, expect, it } from "vitest";
import { DEFAULT_AFTER_LOGIN, safeCallbackPath, sameOriginRedirect, signInPath } from "./callback-url";

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

  // Issue #14: values that are harmless as raw strings but become off-site once a URL parser normalises them.
  it.each([
    // dot segments
    ["/.//evil.example", "dot segment before //"],
    ["/././/evil.example", "two dot segments"],
    ["/..//evil.example", "parent segment at the root"],
    ["/a/..//evil.example", "parent segment after a directory"],
    ["/%2e//evil.example", "encoded dot"],
    ["/%2E//evil.example", "encoded dot, upper case"],
    ["/%2e%2e//evil.example", "encoded parent segment"],
    ["/.%2e//evil.example", "half-encoded parent segment"],
    ["/.%2F/evil.example", "dot then encoded slash"],
    ["/%2e%2F%2Fevil.example", "everything encoded"],
    // encoded slashes and backslashes
    ["/%2F/evil.example", "encoded slash"],
    ["/%5C/evil.example", "encoded backslash"],
    ["/%5c%5cevil.example", "encoded backslashes, lower case"],
    ["/.\\evil.example", "dot then backslash"],
    ["/\\/evil.example", "backslash then slash"],
    // tabs and newlines (URL parsers drop them, joining the slashes)
    ["/\t/evil.example", "tab"],
    ["/%09/evil.example", "encoded tab"],
    ["/\n/evil.example", "newline"],
    ["/%0A/evil.example", "encoded newline"],
    ["/%0d%0a/evil.example", "encoded CRLF"],
    ["/.%09/evil.example", "dot and encoded tab"],
    // schemes in mixed case
    ["HTTPS://evil.example/", "upper-case scheme"],
    ["hTtP://evil.example/", "mixed-case scheme"],
    ["HtTp:evil.example", "mixed-case scheme without slashes"],
    ["vbscript:msgbox(1)", "other scheme"],
  ])("refuses %j (%s)", (input) => {
    expect(safeCallbackPath(input)).toBe(DEFAULT_AFTER_LOGIN);
  });

  it("hands on the normalised path, never the raw one", () => {
    expect(safeCallbackPath("/runs/./abc?x=1")).toBe("/runs/abc?x=1");
    expect(safeCallbackPath("/pipelines/../models")).toBe("/models");
    expect(safeCallbackPath("/%2e/models")).toBe("/models");
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
      "/.//evil.example",
      "/%2e//evil.example",
      "https://stepwise.example.com/.//evil.example",
    ]) {
      expect(sameOriginRedirect(url, base)).toBe(`${base}${DEFAULT_AFTER_LOGIN}`);
    }
    expect(sameOriginRedirect(base, base)).toBe(`${base}${DEFAULT_AFTER_LOGIN}`);
  });
});

describe("signInPath", () => {
  it("sends the embeddable views to the framable sign-in prompt and everything else to /login", () => {
    expect(signInPath("/embed/runs/abc?step=Train")).toBe(
      `/embed/signin?callbackUrl=${encodeURIComponent("/embed/runs/abc?step=Train")}`,
    );
    expect(signInPath("/runs/abc")).toBe(`/login?callbackUrl=${encodeURIComponent("/runs/abc")}`);
    expect(signInPath("/embedded")).toBe(`/login?callbackUrl=${encodeURIComponent("/embedded")}`);
    expect(signInPath("//evil.example/embed/x")).toBe(`/login?callbackUrl=${encodeURIComponent("/pipelines")}`);
    expect(signInPath(null)).toBe(`/login?callbackUrl=${encodeURIComponent("/pipelines")}`);
  });
});
