import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isPrivateAddress, postChecked, refusedTarget } from "./outbound";

const saved = process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS;
afterEach(() => {
  if (saved === undefined) delete process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS;
  else process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS = saved;
});

describe("alert targets and SSRF", () => {
  it("knows loopback, private, link-local and reserved addresses from public ones", () => {
    for (const a of [
      "127.0.0.1",
      "127.8.9.10",
      "10.0.0.5",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "::1",
      "::",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:169.254.169.254",
      "not-an-ip",
    ])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it("refuses targets that are or resolve to such addresses, unless STEPWISE_ALLOW_PRIVATE_WEBHOOKS=1", async () => {
    delete process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS;
    expect(await refusedTarget(new URL("http://127.0.0.1:8080/hook"))).toMatch(/not a public address/);
    expect(await refusedTarget(new URL("http://[::1]/hook"))).toMatch(/not a public address/);
    expect(await refusedTarget(new URL("http://169.254.169.254/latest/meta-data"))).toMatch(/not a public/);
    // A host name is resolved (here through /etc/hosts, no network): localhost is loopback.
    expect(await refusedTarget(new URL("http://localhost:3000/hook"))).toMatch(/resolves to/);
    expect(await refusedTarget(new URL("https://93.184.216.34/hook"))).toBeNull();
    process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS = "1";
    expect(await refusedTarget(new URL("http://127.0.0.1:8080/hook"))).toBeNull();
  });

  it("delivery checks the address it connects to, for IP literals and resolved names alike", async () => {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(req.url ?? "");
      res.writeHead(200);
      res.end("ok");
    });
    // "localhost" as the lookup answers it first (the server binds where a client connects).
    await new Promise<void>((resolve) => server.listen(0, "localhost", () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const post = (url: string) =>
      postChecked(url, { "content-type": "application/json" }, "{}", { timeoutMs: 5000, keep: 100 });
    try {
      delete process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS;
      await expect(post(`http://127.0.0.1:${port}/a`)).rejects.toThrow(/refused/);
      await expect(post(`http://[::1]:${port}/a`)).rejects.toThrow(/refused/);
      await expect(post(`http://localhost:${port}/b`)).rejects.toThrow(/refused: localhost resolves to/);
      expect(hits).toEqual([]);
      process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS = "1";
      expect(await post(`http://localhost:${port}/c`)).toEqual({ status: 200, text: "ok" });
      expect(hits).toEqual(["/c"]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
