/** Ports for embedded servers come from outside the kernel's ephemeral range, so no connection can take them first. */
import { readFileSync } from "node:fs";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "./embedded";

describe("freePort", () => {
  it("answers a bindable port below the ephemeral range that outgoing connections draw from", async () => {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    const port = await freePort();
    expect(port).toBeLessThan(low ?? 32768);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it("skips a port that is taken", async () => {
    const port = await freePort();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
    try {
      expect(await freePort()).not.toBe(port);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
