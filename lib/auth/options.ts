/**
 * next-auth v4 configuration: one generic OIDC provider from the environment
 * (Okta, Keycloak, Entra ID, Google Workspace, or the local demo IdP), code flow
 * with PKCE + state + nonce, database sessions through lib/auth/adapter.ts.
 * Built per request from the environment, so one build serves any deployment.
 */
import { framingEnabled, parseFrameAncestors } from "@/lib/embed/frame-ancestors";
import "server-only";
import type { AuthOptions } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { recordFailedCredential } from "@/lib/audit/failed-credentials";
import { recordAudit } from "@/lib/audit/log";
import { logger } from "@/lib/log";
import { prismaAdapter } from "./adapter";
import { sameOriginRedirect } from "./callback-url";
import { authSettings, cookieNames, type OidcSettings, oidcSettings, secureCookiesEnabled } from "./config";
import { groupsFromProfile, syncMembershipsFromGroups } from "./teams";

type OidcProfile = Record<string, unknown> & { sub?: string; email?: string; name?: string };
type ClaimsTokenSet = { claims(): Record<string, unknown>; access_token?: string };

function oidcProvider(settings: OidcSettings): OAuthConfig<OidcProfile> {
  const groupsClaim = authSettings.groupsClaim();
  return {
    id: "oidc",
    name: settings.name,
    type: "oauth",
    wellKnown: `${settings.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    authorization: { params: { scope: settings.scopes } },
    idToken: true,
    checks: ["pkce", "state", "nonce"],
    // The IdP is the company's own and the only provider: a user first created by
    // `npm run token -- create --user <email>` must attach to their IdP account.
    allowDangerousEmailAccountLinking: true,
    userinfo: {
      // Identity from the validated id_token; groups from userinfo when the IdP only puts them there.
      async request({ tokens, client }) {
        const claims = (tokens as unknown as ClaimsTokenSet).claims();
        if (claims[groupsClaim] !== undefined || !tokens.access_token) return claims;
        try {
          const info = (await client.userinfo(tokens.access_token)) as Record<string, unknown>;
          return { ...claims, [groupsClaim]: info[groupsClaim] };
        } catch {
          return claims;
        }
      },
    },
    profile(profile) {
      const email = typeof profile.email === "string" ? profile.email.toLowerCase() : null;
      const name =
        (typeof profile.name === "string" && profile.name) ||
        (typeof profile.preferred_username === "string" && profile.preferred_username) ||
        email;
      return {
        id: String(profile.sub),
        name,
        email,
        image: typeof profile.picture === "string" ? profile.picture : null,
        groups: groupsFromProfile(profile),
      };
    },
  };
}

/**
 * Why an OIDC login is refused before any user or account row is touched, or null. An address the IdP
 * has not verified could be anyone's (and accounts are linked by e-mail), so `email_verified` must be
 * true unless OIDC_REQUIRE_VERIFIED_EMAIL=off (for IdPs that never send the claim, e.g. Entra ID).
 */
export function loginRefusal(profile: Record<string, unknown> | undefined): "email not verified" | null {
  if (!authSettings.requireVerifiedEmail()) return null;
  const verified = profile?.email_verified;
  return verified === true || verified === "true" ? null : "email not verified";
}

export function authOptions(): AuthOptions {
  const settings = oidcSettings();
  const secure = secureCookiesEnabled();
  const names = cookieNames(secure);
  const cookieOptions = { httpOnly: true, sameSite: "lax" as const, path: "/", secure };
  // Framed by the developer portal (another site), the embeddable views only get the session cookie when it is
  // SameSite=None, which browsers accept over TLS only. Cross-site writes stay refused by their Origin check.
  const framed = secure && framingEnabled(parseFrameAncestors(process.env.STEPWISE_FRAME_ANCESTORS));
  return {
    adapter: prismaAdapter(),
    providers: settings ? [oidcProvider(settings)] : [],
    secret: process.env.NEXTAUTH_SECRET,
    session: {
      strategy: "database",
      maxAge: authSettings.sessionIdleSeconds(),
      updateAge: authSettings.sessionUpdateSeconds(),
    },
    useSecureCookies: secure,
    cookies: {
      sessionToken: {
        name: names.sessionToken,
        options: framed ? { ...cookieOptions, sameSite: "none" as const } : cookieOptions,
      },
      callbackUrl: { name: names.callbackUrl, options: cookieOptions },
      csrfToken: { name: names.csrfToken, options: cookieOptions },
      pkceCodeVerifier: { name: names.pkceCodeVerifier, options: { ...cookieOptions, maxAge: 900 } },
      state: { name: names.state, options: { ...cookieOptions, maxAge: 900 } },
      nonce: { name: names.nonce, options: { ...cookieOptions, maxAge: 900 } },
    },
    pages: { signIn: "/login", error: "/login", signOut: "/login" },
    callbacks: {
      redirect: ({ url, baseUrl }) => sameOriginRedirect(url, baseUrl),
      async signIn({ profile }) {
        const reason = loginRefusal(profile as Record<string, unknown> | undefined);
        if (!reason) return true;
        const email = typeof profile?.email === "string" ? profile.email.toLowerCase() : null;
        await recordFailedCredential({
          actor: null,
          via: "idp",
          action: "auth.login",
          outcome: "denied",
          details: { reason, email },
        });
        return "/login?error=EmailNotVerified";
      },
    },
    events: {
      async signIn({ user, profile, isNewUser }) {
        const groups = Array.isArray((profile as { groups?: unknown } | undefined)?.groups)
          ? ((profile as { groups: string[] }).groups ?? [])
          : [];
        const mapping = await syncMembershipsFromGroups({ userId: user.id, groups });
        await recordAudit({
          actor: { id: user.id, email: user.email ?? null },
          via: "idp",
          action: "auth.login",
          targetType: "user",
          targetId: user.id,
          outcome: "ok",
          details: {
            newUser: Boolean(isNewUser),
            admin: mapping.isAdmin,
            teams: mapping.teams.map((t) => (t.role === "MEMBER" ? t.slug : `${t.slug} (${t.role.toLowerCase()})`)),
          },
        });
      },
    },
    logger: {
      error(code, metadata) {
        const message = metadata instanceof Error ? metadata.message : describeAuthError(metadata);
        logger.error({ code }, `next-auth: ${message}`);
        if (/CALLBACK|SIGNIN|OAUTH/.test(code)) {
          void recordFailedCredential({
            actor: null,
            via: "idp",
            action: "auth.login",
            outcome: "failed",
            details: { code, message: message.slice(0, 300) },
          });
        }
      },
      warn(code) {
        if (code !== "DEBUG_ENABLED") logger.warn({ code }, "next-auth warning");
      },
      debug() {},
    },
  };
}

function describeAuthError(metadata: unknown): string {
  if (metadata && typeof metadata === "object") {
    const error = (metadata as { error?: unknown }).error;
    if (error instanceof Error) return error.message;
    if (typeof error === "string") return error;
  }
  return "see server log";
}
