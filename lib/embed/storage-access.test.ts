import { describe, expect, it } from "vitest";
import { parseFrameAncestors } from "./frame-ancestors";
import { isAllowedFramer, storageAccessHeaders } from "./storage-access";

type Request = Parameters<typeof storageAccessHeaders>[0];

const setting = parseFrameAncestors("http://127.0.0.1:3120 https://portal.example https://*.corp.example");
const request: Request = {
  pathname: "/embed/runs/r1",
  status: "inactive",
  origin: "http://127.0.0.1:3120",
  toSignIn: true,
  setting,
};

describe("the Storage Access Headers exchange of /embed/", () => {
  it("asks a cookie-less request from a context holding the permission to be retried with its cookies", () => {
    expect(storageAccessHeaders(request)).toEqual({
      Vary: "Sec-Fetch-Storage-Access",
      "Activate-Storage-Access": 'retry; allowed-origin="http://127.0.0.1:3120"',
    });
  });

  it("keeps the permission active for the document a request with it loads", () => {
    expect(storageAccessHeaders({ ...request, status: "active", toSignIn: false })).toEqual({
      Vary: "Sec-Fetch-Storage-Access",
      "Activate-Storage-Access": "load",
    });
  });

  it.each<[string, Partial<Request>]>([
    ["no permission", { status: "none" }],
    ["no header (another browser, a same-site frame)", { status: null }],
    ["a request the proxy lets through (it has the cookie, or the page is public)", { toSignIn: false }],
    ["a framer STEPWISE_FRAME_ANCESTORS does not list", { origin: "https://evil.example" }],
    ["no Origin header", { origin: null }],
    ["an opaque origin", { origin: "null" }],
  ])("offers no retry for %s", (_, change) => {
    expect(storageAccessHeaders({ ...request, ...change })["Activate-Storage-Access"]).toBeUndefined();
  });

  it("says nothing outside /embed/, or when framing is off", () => {
    expect(storageAccessHeaders({ ...request, pathname: "/runs/r1" })).toEqual({});
    expect(storageAccessHeaders({ ...request, pathname: "/embedded" })).toEqual({});
    expect(storageAccessHeaders({ ...request, setting: parseFrameAncestors(undefined) })).toEqual({});
  });

  it("matches framers as CSP host-sources do: scheme, host (with *. subdomains) and port", () => {
    expect(isAllowedFramer("https://portal.example", setting)).toBe(true);
    expect(isAllowedFramer("https://portal.example:443", setting)).toBe(false); // not a serialised origin
    expect(isAllowedFramer("http://portal.example", setting)).toBe(false);
    expect(isAllowedFramer("https://portal.example:8443", setting)).toBe(false);
    expect(isAllowedFramer("https://a.corp.example", setting)).toBe(true);
    expect(isAllowedFramer("https://a.b.corp.example", setting)).toBe(true);
    expect(isAllowedFramer("https://corp.example", setting)).toBe(false);
    expect(isAllowedFramer("https://evilcorp.example", setting)).toBe(false);
    expect(isAllowedFramer("http://127.0.0.1:3121", setting)).toBe(false);
    expect(isAllowedFramer("https://portal.example/path", setting)).toBe(false);
  });
});
