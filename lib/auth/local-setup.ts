/**
 * What `npm start` adds for login before it starts Next.js (scripts/start.ts):
 *  - NEXTAUTH_URL defaults to http://localhost:<PORT>;
 *  - NEXTAUTH_SECRET defaults to a random secret generated once and kept in
 *    <STEPWISE_DATA_DIR>/secret (mode 0600, never printed);
 *  - with no OIDC_ISSUER, the local demo IdP (lib/auth/local-idp.ts) starts on
 *    LOCAL_IDP_PORT (default PORT + 1) and OIDC_* point at it.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEMO_PASSWORD, DEMO_USERS } from "./demo-users";
import { assertLocalIdpAllowed, LOCAL_IDP_NAME, startLocalIdp } from "./local-idp";

export function loadOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, "secret");
  if (existsSync(file)) {
    const existing = readFileSync(file, "utf8").trim();
    if (existing.length >= 32) return existing;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export type AuthSetup = { env: Record<string, string>; stop: () => Promise<void>; instructions: string[] };

export async function prepareAuth({
  port,
  dataDir,
  env = process.env,
}: {
  port: number;
  dataDir: string;
  env?: Record<string, string | undefined>;
}): Promise<AuthSetup> {
  const out: Record<string, string> = {};
  const instructions: string[] = [];
  const appUrl = (env.NEXTAUTH_URL ?? `http://localhost:${port}`).replace(/\/+$/, "");
  out.NEXTAUTH_URL = appUrl;
  if (!env.NEXTAUTH_SECRET) {
    out.NEXTAUTH_SECRET = loadOrCreateSecret(dataDir);
    if (env.OIDC_ISSUER) {
      instructions.push(
        `NEXTAUTH_SECRET is not set: using the one in ${path.join(dataDir, "secret")}; set the same NEXTAUTH_SECRET on every instance.`,
      );
    }
  }
  if (env.OIDC_ISSUER) {
    instructions.push(`login: ${env.OIDC_ISSUER} (redirect URI ${appUrl}/api/auth/callback/oidc)`);
    return { env: out, stop: async () => {}, instructions };
  }

  // Before anything listens: a public https deployment without OIDC_ISSUER must not get the demo login.
  assertLocalIdpAllowed({ ...env, NEXTAUTH_URL: appUrl });
  const idpPort = Number(env.LOCAL_IDP_PORT ?? port + 1);
  const clientSecret = randomBytes(24).toString("base64url");
  const idp = await startLocalIdp({
    port: idpPort,
    issuerBaseUrl: env.LOCAL_IDP_URL,
    host: env.LOCAL_IDP_HOST,
    clientId: "stepwise",
    clientSecret,
    redirectUris: [`${appUrl}/api/auth/callback/oidc`],
  });
  Object.assign(out, {
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: "stepwise",
    OIDC_CLIENT_SECRET: clientSecret,
    OIDC_SCOPES: "openid email profile groups",
    OIDC_NAME: LOCAL_IDP_NAME,
  });
  instructions.push(
    `login: local demo IdP at ${idp.issuer} — open ${appUrl} and sign in as one of (password "${DEMO_PASSWORD}", demo only):`,
    ...DEMO_USERS.map((u) => `  ${u.email.padEnd(22)} ${u.description}`),
  );
  return { env: out, stop: idp.stop, instructions };
}
