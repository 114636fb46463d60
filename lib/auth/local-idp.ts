/**
 * The embedded default identity provider: a real OpenID Connect provider
 * (oidc-provider, the certified library) on localhost with a few demo users in
 * demo teams, so `npm start` needs no company SSO. The app talks to it exactly
 * as to Okta or Keycloak (discovery, code flow + PKCE, signed id_token with a
 * groups claim). Its login page is our own plain, accessible form — not
 * oidc-provider's devInteractions screen.
 *
 * DEMO ONLY: the demo password is public. Refuses to start when NODE_ENV is
 * "production" unless STEPWISE_LOCAL_IDP=on is set explicitly.
 */
import { generateKeyPairSync, randomBytes, timingSafeEqual } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
// Before oidc-provider loads: its development notices go to the debug log (./oidc-notices.ts).
import "./oidc-notices";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";
import { DEMO_PASSWORD, DEMO_USERS, type DemoUser } from "./demo-users";

export type LocalIdpOptions = {
  /** Port to listen on; 0 takes any free port (the issuer then names the one bound). */
  port: number;
  /** Public base URL of the IdP (the issuer); default http://localhost:<port>. */
  issuerBaseUrl?: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Interface to listen on; default 127.0.0.1 (the demo IdP is for this machine). */
  host?: string;
  users?: readonly DemoUser[];
  password?: string;
};

export type LocalIdp = { issuer: string; stop: () => Promise<void> };

export const LOCAL_IDP_NAME = "Stepwise demo SSO";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * The demo IdP (public passwords) only where it cannot be mistaken for a company login: not with
 * NODE_ENV=production, and not when Stepwise is served over https on a non-local host (a real
 * deployment) — unless STEPWISE_LOCAL_IDP=on says it is meant. The error says what to set.
 */
export function assertLocalIdpAllowed(env: Record<string, string | undefined> = process.env): void {
  if ((env.STEPWISE_LOCAL_IDP ?? "").toLowerCase() === "on") return;
  const fix =
    "Configure your company IdP (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET), or set STEPWISE_LOCAL_IDP=on " +
    "to run the demo IdP anyway (its demo passwords are public).";
  if (env.NODE_ENV === "production") {
    throw new Error(`The local demo identity provider does not run with NODE_ENV=production. ${fix}`);
  }
  let url: URL | null = null;
  try {
    url = env.NEXTAUTH_URL ? new URL(env.NEXTAUTH_URL) : null;
  } catch {
    url = null;
  }
  if (url?.protocol === "https:" && !LOCAL_HOSTS.has(url.hostname) && !url.hostname.endsWith(".localhost")) {
    throw new Error(
      `NEXTAUTH_URL is ${url.origin}, a public https address, and OIDC_ISSUER is not set: the local demo ` +
        `identity provider would be its login. ${fix}`,
    );
  }
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

function passwordMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error("form too large");
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function loginPage({
  uid,
  email,
  error,
  users,
  password,
}: {
  uid: string;
  email: string;
  error: string | null;
  users: readonly DemoUser[];
  password: string;
}): string {
  const rows = users
    .map(
      (u) =>
        `<tr><td><code>${escapeHtml(u.email)}</code></td><td>${escapeHtml(u.name)}</td><td>${escapeHtml(u.description)}</td></tr>`,
    )
    .join("");
  const errorBlock = error ? `<p class="error" role="alert" id="login-error">${escapeHtml(error)}</p>` : "";
  const describedBy = error ? ' aria-describedby="login-error" aria-invalid="true"' : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · ${LOCAL_IDP_NAME}</title>
<style>
  :root { color-scheme: light dark; --bg:#eef1f5; --card:#fff; --text:#1b1f24; --muted:#57606a; --border:#c9d0d8; --accent:#1f5fbf; --accent-text:#fff; --err:#b3261e; --err-bg:#fde7e6; }
  @media (prefers-color-scheme: dark) { :root { --bg:#0f1216; --card:#161a20; --text:#e6e9ed; --muted:#a4adb8; --border:#3a4450; --accent:#6ea8ff; --accent-text:#0b1220; --err:#ffb4ab; --err-bg:#3a1614; } }
  * { box-sizing: border-box; }
  body { margin:0; min-height:100vh; display:flex; align-items:center; justify-content:center; background:var(--bg); color:var(--text); font:15px/1.5 ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; padding:24px; }
  main { width:100%; max-width:420px; }
  .card { background:var(--card); border:1px solid var(--border); border-radius:10px; padding:28px; box-shadow:0 2px 12px rgba(0,0,0,.06); }
  .brand { display:flex; align-items:center; gap:10px; font-weight:700; margin:0 0 18px; font-size:15px; }
  .brand svg { flex:none; }
  h1 { font-size:22px; margin:0 0 4px; }
  p.lead { margin:0 0 20px; color:var(--muted); }
  label { display:block; font-weight:600; margin:14px 0 6px; }
  input { width:100%; padding:10px 12px; font:inherit; color:var(--text); background:var(--card); border:1px solid var(--border); border-radius:6px; }
  input:focus-visible, button:focus-visible, summary:focus-visible { outline:3px solid var(--accent); outline-offset:2px; }
  button { margin-top:20px; width:100%; padding:11px; font:inherit; font-weight:600; color:var(--accent-text); background:var(--accent); border:0; border-radius:6px; cursor:pointer; }
  .secondary { background:transparent; color:var(--accent); margin-top:8px; }
  .error { background:var(--err-bg); color:var(--err); border-radius:6px; padding:10px 12px; margin:0 0 8px; }
  details { margin-top:20px; color:var(--muted); font-size:13px; }
  summary { cursor:pointer; font-weight:600; color:var(--text); }
  table { border-collapse:collapse; margin-top:8px; width:100%; }
  td { padding:4px 6px 4px 0; vertical-align:top; }
  code { font:12.5px ui-monospace, Menlo, Consolas, monospace; }
  footer { text-align:center; color:var(--muted); font-size:12px; margin-top:14px; }
</style>
</head>
<body>
<main>
  <div class="card">
    <p class="brand"><svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true"><rect x="2" y="2" width="20" height="20" rx="5" fill="currentColor" opacity=".15"/><path d="M7 12l3 3 7-7" stroke="currentColor" stroke-width="2.4" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>${LOCAL_IDP_NAME}</p>
    <h1>Sign in</h1>
    <p class="lead">to continue to Stepwise</p>
    ${errorBlock}
    <form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="on">
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(email)}"${describedBy} autofocus>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required${describedBy}>
      <button type="submit">Sign in</button>
    </form>
    <form method="post" action="/interaction/${escapeHtml(uid)}/abort">
      <button type="submit" class="secondary">Cancel</button>
    </form>
    <details>
      <summary>Demo accounts</summary>
      <p>This sign-in page belongs to the local demo identity provider that <code>npm start</code> runs when no company IdP is configured. Every demo account uses the password <code>${escapeHtml(password)}</code>.</p>
      <table><tbody>${rows}</tbody></table>
    </details>
  </div>
  <footer>Demo only — not for production use.</footer>
</main>
</body>
</html>`;
}

export async function startLocalIdp(options: LocalIdpOptions): Promise<LocalIdp> {
  assertLocalIdpAllowed();
  const users = options.users ?? DEMO_USERS;
  const password = options.password ?? DEMO_PASSWORD;
  // Listen first, so that port 0 (any free port, as tests ask) names the port actually bound in the issuer.
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const boundPort = (server.address() as AddressInfo).port;
  const issuer = (options.issuerBaseUrl ?? `http://localhost:${boundPort}`).replace(/\/+$/, "");
  const bySub = new Map(users.map((u) => [u.sub, u]));
  const byEmail = new Map(users.map((u) => [u.email.toLowerCase(), u]));

  // A fresh signing key per start: ids tokens only need to verify for the lifetime of a login.
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = {
    ...privateKey.export({ format: "jwk" }),
    use: "sig",
    alg: "RS256",
    kid: randomBytes(8).toString("hex"),
  };
  const formActionOrigins = [
    ...new Set(
      options.redirectUris.map((uri) => {
        try {
          return new URL(uri).origin;
        } catch {
          return "";
        }
      }),
    ),
  ].filter(Boolean);

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [jwk] },
    cookies: {
      keys: [randomBytes(32).toString("hex")],
      names: { session: "idp_session", interaction: "idp_interaction", resume: "idp_interaction_resume" },
    },
    pkce: { required: () => true },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username"],
      groups: ["groups"],
    },
    // Put the scope's claims in the id_token too, as company IdPs configured for groups do.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const user = bySub.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: user.email,
          email_verified: user.emailVerified ?? true,
          name: user.name,
          preferred_username: user.email.split("@")[0],
          groups: user.groups,
        }),
      };
    },
    // Stepwise is a first-party client: no consent screen; grant what it asked for.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const clientId = oidc.client?.clientId;
      const accountId = oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId);
      if (grantId) {
        const existing = await oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new oidc.provider.Grant({ accountId, clientId });
      grant.addOIDCScope([...oidc.requestParamScopes].join(" "));
      await grant.save();
      return grant;
    },
    ttl: { Session: 8 * 60 * 60, Interaction: 60 * 60, Grant: 8 * 60 * 60 },
    renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = "html";
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error · ${LOCAL_IDP_NAME}</title></head><body><main><h1>Sign-in error</h1><p>${escapeHtml(out.error ?? "error")}: ${escapeHtml(out.error_description ?? "")}</p></main></body></html>`;
    },
  });
  const oidcCallback = provider.callback();

  const securityHeaders = (res: ServerResponse) => {
    res.setHeader(
      "Content-Security-Policy",
      `default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self' ${formActionOrigins.join(" ")}; frame-ancestors 'none'; base-uri 'none'`,
    );
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("Cache-Control", "no-store");
  };

  const handleInteraction = async (req: IncomingMessage, res: ServerResponse, uid: string, action?: string) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error("interaction mismatch");
    if (req.method === "GET" && !action) {
      if (details.prompt.name !== "login") {
        // Consent for our first-party client is implicit (see loadExistingGrant).
        const grant = new provider.Grant({ accountId: details.session?.accountId ?? "", clientId: options.clientId });
        grant.addOIDCScope(String(details.params.scope ?? "openid"));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      const hint = typeof details.params.login_hint === "string" ? details.params.login_hint : "";
      securityHeaders(res);
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(loginPage({ uid, email: hint, error: null, users, password }));
      return;
    }
    if (req.method === "POST" && action === "abort") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "The user cancelled the sign-in." },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (req.method === "POST" && action === "login") {
      const form = await readForm(req);
      const email = (form.get("email") ?? "").trim().toLowerCase();
      const user = byEmail.get(email);
      if (!user || !passwordMatches(form.get("password") ?? "", password)) {
        securityHeaders(res);
        res.writeHead(401, { "Content-Type": "text/html; charset=utf-8" });
        res.end(loginPage({ uid, email, error: "Wrong email or password.", users, password }));
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.sub } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    res.writeHead(405).end();
  };

  // Everything from the listen above to here is synchronous: no request can arrive before this handler.
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", issuer);
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/.exec(url.pathname);
    if (match?.[1]) {
      handleInteraction(req, res, match[1], match[2]).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) {
          securityHeaders(res);
          res.writeHead(400, { "Content-Type": "text/html; charset=utf-8" });
        }
        res.end(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in expired</title></head><body><main><h1>This sign-in has expired</h1><p>${escapeHtml(message)}</p><p>Go back to Stepwise and sign in again.</p></main></body></html>`,
        );
      });
      return;
    }
    oidcCallback(req, res);
  });

  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
