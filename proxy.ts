/**
 * Runs before every request (Next 16's renamed middleware):
 *  - security headers on everything: CSP with a fresh per-request script nonce
 *    (Next applies it to its own scripts), frame-ancestors 'none', nosniff,
 *    referrer policy, HSTS behind TLS;
 *  - a fast gate: no session cookie → pages redirect to /login carrying the exact
 *    path + query as callbackUrl; API calls without cookie or bearer token get a
 *    401 JSON (through /api/v1/unauthenticated, which audits it), never a redirect;
 *  - server actions (POST with a Next-Action header) from another site → 403 JSON
 *    (Next.js itself would refuse them with a 500);
 *  - an /api route asked with a method it does not answer → 405 JSON with `Allow`
 *    (Next.js would answer with an empty body; the table is lib/api/methods.ts);
 *  - the embeddable views' Storage Access Headers (lib/embed/storage-access.ts): a framed visit whose user
 *    granted storage access before is retried by the browser with its cookies instead of signing in again.
 * That is all it does. It only checks a cookie's presence, which proves nothing:
 * the guard is where data is read — lib/dal for pages and metadata, withApi for
 * route handlers, withAction for server actions — each asking lib/auth for the
 * principal verified in Postgres (ARCHITECTURE.md, "Authentication where data is read").
 */
import { type NextRequest, NextResponse } from "next/server";
import { disallowedMethod } from "@/lib/api/methods";
import { signInPath } from "@/lib/auth/callback-url";
import { appOrigin, cookieNames, PATH_HEADER } from "@/lib/auth/config";
import { frameAncestorsDirective, parseFrameAncestors } from "@/lib/embed/frame-ancestors";
import { STORAGE_ACCESS_REQUEST, storageAccessHeaders } from "@/lib/embed/storage-access";
import { errorResponse, forbidden, methodNotAllowed } from "@/lib/errors";

const PUBLIC = [
  /^\/api\/health$/,
  /^\/api\/auth(\/|$)/,
  /^\/login$/,
  /^\/api\/ingest\/eventbridge$/,
  // The framed sign-in prompt of the embeddable views: no data, a button that opens /login in a popup.
  /^\/embed\/signin$/,
];

// Read once per process: who may frame the embeddable views (lib/embed/frame-ancestors.ts).
const FRAME_ANCESTORS = parseFrameAncestors(process.env.STEPWISE_FRAME_ANCESTORS);

function contentSecurityPolicy(nonce: string, https: boolean, pathname: string): string {
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Inline style attributes (charts, React) are allowed; scripts are not.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    frameAncestorsDirective(pathname, FRAME_ANCESTORS),
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

function secure(response: NextResponse, csp: string, https: boolean): NextResponse {
  response.headers.set("Content-Security-Policy", csp);
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
  // X-Frame-Options cannot name origins: where CSP allows framing, it is left to CSP (which wins anyway).
  if (!csp.includes("frame-ancestors 'self'")) response.headers.set("X-Frame-Options", "DENY");
  if (https) response.headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  return response;
}

/** A server action whose Origin (or, without one, Sec-Fetch-Site) says another site sent it. */
function crossSiteAction(request: NextRequest): boolean {
  if (request.method !== "POST" || !request.headers.has("next-action")) return false;
  const origin = request.headers.get("origin");
  if (origin) {
    const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
    const own = new Set([request.nextUrl.origin, appOrigin()]);
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host;
    } catch {
      return true;
    }
    return !own.has(origin) && originHost !== host;
  }
  const site = request.headers.get("sec-fetch-site");
  return Boolean(site && site !== "same-origin" && site !== "none");
}

/** Adds the embeddable views' Storage Access Headers (none outside /embed/). */
function withStorageAccess(response: NextResponse, request: NextRequest, toSignIn: boolean): NextResponse {
  const headers = storageAccessHeaders({
    pathname: request.nextUrl.pathname,
    status: request.headers.get(STORAGE_ACCESS_REQUEST),
    origin: request.headers.get("origin"),
    toSignIn,
    setting: FRAME_ANCESTORS,
  });
  for (const [name, value] of Object.entries(headers)) {
    if (name === "Vary") response.headers.append(name, value);
    else response.headers.set(name, value);
  }
  return response;
}

/** The shared JSON error response (lib/errors.ts) as the NextResponse the proxy returns. */
function asNext(response: Response): NextResponse {
  return new NextResponse(response.body, { status: response.status, headers: response.headers });
}

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const https =
    request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https" ||
    request.nextUrl.protocol === "https:";
  const nonce = btoa(crypto.randomUUID());
  const csp = contentSecurityPolicy(nonce, https, pathname);

  // Next's internal error entry, asked for directly: a plain 404 rather than the error page's 500.
  if (pathname === "/_global-error") {
    return secure(new NextResponse("Not found", { status: 404 }), csp, https);
  }

  if (crossSiteAction(request)) {
    return secure(asNext(errorResponse(forbidden("Cross-site request refused."))), csp, https);
  }

  if (pathname.startsWith("/api/")) {
    const allowed = disallowedMethod(pathname, request.method);
    if (allowed) return secure(asNext(errorResponse(methodNotAllowed(request.method, allowed))), csp, https);
  }

  const isPublic = PUBLIC.some((pattern) => pattern.test(pathname));
  if (!isPublic) {
    const hasSession = request.cookies.has(cookieNames().sessionToken);
    if (pathname.startsWith("/api/")) {
      if (!hasSession && !request.headers.has("authorization")) {
        const target = new URL("/api/v1/unauthenticated", request.url);
        const headers = new Headers(request.headers);
        headers.set(PATH_HEADER, pathname);
        return secure(NextResponse.rewrite(target, { request: { headers } }), csp, https);
      }
    } else if (!hasSession) {
      const login = new URL(signInPath(`${pathname}${search}`), request.url);
      // A framed view whose user granted storage access: the browser retries with the cookies instead.
      return secure(withStorageAccess(NextResponse.redirect(login), request, true), csp, https);
    }
  }

  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("Content-Security-Policy", csp);
  headers.set(PATH_HEADER, `${pathname}${search}`);
  return secure(withStorageAccess(NextResponse.next({ request: { headers } }), request, false), csp, https);
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|robots.txt).*)"],
};
