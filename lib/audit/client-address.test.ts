import { describe, expect, it } from "vitest";
import { requestContextFromHeaders } from "@/lib/audit/request-context";
import { clientAddress, trustProxyHops } from "./client-address";

/** Headers as scripts/next-server.mjs hands them on: the TCP peer and the X-Forwarded-For received. */
const behindServer = (peer: string, forwarded = "") =>
  new Headers({ "x-stepwise-peer": peer, "x-stepwise-forwarded-for": forwarded, "x-forwarded-for": forwarded || peer });

describe("clientAddress (TRUST_PROXY_HOPS)", () => {
  it("with no trusted proxy (the default) takes the TCP peer, whatever X-Forwarded-For claims", () => {
    expect(clientAddress(behindServer("203.0.113.7"), 0)).toBe("203.0.113.7");
    expect(clientAddress(behindServer("203.0.113.7", "1.2.3.4"), 0)).toBe("203.0.113.7");
    expect(clientAddress(behindServer("203.0.113.7", "1.2.3.4, 5.6.7.8"), 0)).toBe("203.0.113.7");
  });

  it("behind one trusted proxy takes the address that proxy appended, not what the client wrote before it", () => {
    // The client sent "X-Forwarded-For: 1.2.3.4" (a lie); the load balancer appended the real 198.51.100.9.
    expect(clientAddress(behindServer("10.0.0.2", "1.2.3.4, 198.51.100.9"), 1)).toBe("198.51.100.9");
    expect(clientAddress(behindServer("10.0.0.2", "198.51.100.9"), 1)).toBe("198.51.100.9");
  });

  it("behind two trusted proxies goes two entries left of the peer", () => {
    expect(clientAddress(behindServer("10.0.0.3", "1.2.3.4, 198.51.100.9, 10.0.0.2"), 2)).toBe("198.51.100.9");
  });

  it("with fewer entries than trusted hops takes the leftmost (nothing better is known)", () => {
    expect(clientAddress(behindServer("10.0.0.2"), 3)).toBe("10.0.0.2");
  });

  it("without the server's headers (next dev, direct handler calls) uses the last X-Forwarded-For entry", () => {
    expect(clientAddress(new Headers({ "x-forwarded-for": "1.2.3.4, 127.0.0.1" }), 0)).toBe("127.0.0.1");
    expect(clientAddress(new Headers(), 0)).toBeNull();
  });

  it("is what audit rows and sessions record", () => {
    expect(requestContextFromHeaders(behindServer("203.0.113.7", "1.2.3.4")).ip).toBe("203.0.113.7");
  });

  it("refuses a malformed TRUST_PROXY_HOPS", () => {
    expect(trustProxyHops({})).toBe(0);
    expect(trustProxyHops({ TRUST_PROXY_HOPS: "2" })).toBe(2);
    expect(() => trustProxyHops({ TRUST_PROXY_HOPS: "-1" })).toThrow(/TRUST_PROXY_HOPS/);
    expect(() => trustProxyHops({ TRUST_PROXY_HOPS: "all" })).toThrow(/TRUST_PROXY_HOPS/);
  });
});
