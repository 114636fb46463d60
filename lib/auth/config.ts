/**
 * Auth settings from the environment, read in one place. Free of server-only
 * imports because proxy.ts (cookie names) and scripts use it too.
 */

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export type OidcSettings = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** Display name on the login page ("Sign in with …"). */
  name: string;
};

export function oidcSettings(): OidcSettings | null {
  const issuer = process.env.OIDC_ISSUER;
  if (!issuer) return null;
  return {
    issuer,
    clientId: process.env.OIDC_CLIENT_ID ?? "stepwise",
    clientSecret: process.env.OIDC_CLIENT_SECRET ?? "",
    scopes: process.env.OIDC_SCOPES ?? "openid email profile groups",
    name: process.env.OIDC_NAME ?? "SSO",
  };
}

export const authSettings = {
  /** Claim holding the user's groups (Okta/Keycloak "groups", Entra "groups" or "roles"). */
  groupsClaim: () => process.env.OIDC_GROUPS_CLAIM || "groups",
  /** Members of this IdP group are Stepwise admins. */
  adminGroup: () => process.env.STEPWISE_ADMIN_GROUP || "stepwise-admins",
  /** Pipeline tag (key) naming the owning team. */
  teamTag: () => process.env.TEAM_TAG || "team",
  /** Only groups with this prefix become teams (prefix removed); empty: every group. */
  teamGroupPrefix: () => process.env.TEAM_GROUP_PREFIX ?? "",
  /** A group "<team><suffix>" makes its members reviewers (not writers) of <team>. */
  reviewerSuffix: () => process.env.TEAM_REVIEWER_SUFFIX || "-reviewers",
  /** Idle lifetime: a session unused this long is over. */
  sessionIdleSeconds: () => envNumber("SESSION_IDLE_SECONDS", 12 * 60 * 60),
  /** How often activity pushes the idle expiry forward (one DB write per period at most). */
  sessionUpdateSeconds: () => envNumber("SESSION_UPDATE_SECONDS", 15 * 60),
  /** Absolute lifetime: a session ends this long after login, whatever its activity. */
  sessionAbsoluteSeconds: () => envNumber("SESSION_ABSOLUTE_SECONDS", 7 * 24 * 60 * 60),
  /** API tokens created without an expiry expire after this many days. */
  tokenDefaultDays: () => Math.min(envNumber("API_TOKEN_DEFAULT_DAYS", 90), authSettings.tokenMaxDays()),
  /** No API token lives longer than this. */
  tokenMaxDays: () => envNumber("API_TOKEN_MAX_DAYS", 365),
  /** OIDC logins need `email_verified: true` unless OIDC_REQUIRE_VERIFIED_EMAIL=off. */
  requireVerifiedEmail: () => (process.env.OIDC_REQUIRE_VERIFIED_EMAIL ?? "on").toLowerCase() !== "off",
};

/** True when the app is served over TLS (NEXTAUTH_URL is https): cookies get Secure and a prefix. */
export function secureCookiesEnabled(): boolean {
  return (process.env.NEXTAUTH_URL ?? "").startsWith("https://");
}

/** Cookie names next-auth is configured with (lib/auth/options.ts) and proxy.ts checks for. */
export function cookieNames(secure = secureCookiesEnabled()) {
  const host = secure ? "__Host-" : "";
  return {
    sessionToken: `${host}stepwise.session`,
    callbackUrl: `${host}stepwise.callback-url`,
    csrfToken: `${host}stepwise.csrf`,
    pkceCodeVerifier: `${host}stepwise.pkce`,
    state: `${host}stepwise.state`,
    nonce: `${host}stepwise.nonce`,
  };
}

/** The origin users reach the app on (NEXTAUTH_URL), used for same-origin checks. */
export function appOrigin(): string | null {
  try {
    return process.env.NEXTAUTH_URL ? new URL(process.env.NEXTAUTH_URL).origin : null;
  } catch {
    return null;
  }
}

/** Request header proxy.ts sets to the path + query being rendered (layouts cannot see the URL otherwise). */
export const PATH_HEADER = "x-stepwise-path";
