/** The demo IdP (public passwords) never becomes the login of a public https deployment by accident. */
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertLocalIdpAllowed } from "./local-idp";
import { prepareAuth } from "./local-setup";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "stepwise-local-setup-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the local demo IdP", () => {
  it("refuses to start for an https NEXTAUTH_URL on a non-local host, saying what to set", async () => {
    const port = await freePort();
    const start = prepareAuth({ port, dataDir, env: { NEXTAUTH_URL: "https://stepwise.example.com" } });
    await expect(start).rejects.toThrow(/NEXTAUTH_URL is https:\/\/stepwise\.example\.com/);
    await expect(start).rejects.toThrow(/OIDC_ISSUER.*STEPWISE_LOCAL_IDP=on/s);
    // Nothing was started: the IdP's port is still free.
    const probe = net.createServer().listen(port + 1, "127.0.0.1");
    await new Promise((resolve, reject) => probe.once("listening", resolve).once("error", reject));
    probe.close();
  });

  it("starts on purpose with STEPWISE_LOCAL_IDP=on, and locally over http or https", async () => {
    for (const env of [
      { NEXTAUTH_URL: "https://stepwise.example.com", STEPWISE_LOCAL_IDP: "on" },
      { NEXTAUTH_URL: "https://localhost:8443" },
      { NEXTAUTH_URL: "http://stepwise.internal:3000" },
    ]) {
      const port = await freePort();
      const auth = await prepareAuth({ port, dataDir, env: { ...env, LOCAL_IDP_PORT: String(port) } });
      expect(auth.env.OIDC_ISSUER).toContain(String(port));
      await auth.stop();
    }
  });

  it("keeps refusing NODE_ENV=production without STEPWISE_LOCAL_IDP=on", () => {
    expect(() => assertLocalIdpAllowed({ NODE_ENV: "production" })).toThrow(/STEPWISE_LOCAL_IDP=on/);
    expect(() => assertLocalIdpAllowed({ NODE_ENV: "production", STEPWISE_LOCAL_IDP: "on" })).not.toThrow();
    expect(() => assertLocalIdpAllowed({ NEXTAUTH_URL: "https://app.localhost" })).not.toThrow();
  });
});
