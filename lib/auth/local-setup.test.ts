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

/** Holds a port for the whole test, so no other process can take it meanwhile. */
async function holdPort(): Promise<net.Server> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return server;
}

describe("the local demo IdP", () => {
  it("refuses to start for an https NEXTAUTH_URL on a non-local host, saying what to set", async () => {
    // The IdP would listen on PORT + 1, which this test holds: had anything been started before the refusal,
    // it would have failed with EADDRINUSE instead of the message below.
    const held = await holdPort();
    try {
      const idpPort = (held.address() as net.AddressInfo).port;
      const start = prepareAuth({ port: idpPort - 1, dataDir, env: { NEXTAUTH_URL: "https://stepwise.example.com" } });
      await expect(start).rejects.toThrow(/NEXTAUTH_URL is https:\/\/stepwise\.example\.com/);
      await expect(start).rejects.toThrow(/OIDC_ISSUER.*STEPWISE_LOCAL_IDP=on/s);
    } finally {
      await new Promise((resolve) => held.close(resolve));
    }
  });

  it("starts on purpose with STEPWISE_LOCAL_IDP=on, and locally over http or https", async () => {
    for (const env of [
      { NEXTAUTH_URL: "https://stepwise.example.com", STEPWISE_LOCAL_IDP: "on" },
      { NEXTAUTH_URL: "https://localhost:8443" },
      { NEXTAUTH_URL: "http://stepwise.internal:3000" },
    ]) {
      // LOCAL_IDP_PORT=0: the IdP binds a free port itself and names it in its issuer.
      const auth = await prepareAuth({ port: 3000, dataDir, env: { ...env, LOCAL_IDP_PORT: "0" } });
      try {
        expect(auth.env.OIDC_ISSUER).toMatch(/^http:\/\/localhost:[1-9]\d*$/);
        const discovery = await fetch(`${auth.env.OIDC_ISSUER}/.well-known/openid-configuration`);
        expect(((await discovery.json()) as { issuer: string }).issuer).toBe(auth.env.OIDC_ISSUER);
        expect(auth.env.NEXTAUTH_URL).toBe(env.NEXTAUTH_URL);
      } finally {
        await auth.stop();
      }
    }
  });

  it("keeps refusing NODE_ENV=production without STEPWISE_LOCAL_IDP=on", () => {
    expect(() => assertLocalIdpAllowed({ NODE_ENV: "production" })).toThrow(/STEPWISE_LOCAL_IDP=on/);
    expect(() => assertLocalIdpAllowed({ NODE_ENV: "production", STEPWISE_LOCAL_IDP: "on" })).not.toThrow();
    expect(() => assertLocalIdpAllowed({ NEXTAUTH_URL: "https://app.localhost" })).not.toThrow();
  });
});
