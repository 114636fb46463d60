/**
 * `callbackUrl` is attacker-controllable (it rides in shared links), so it is
 * reduced to a same-origin path + query + hash or replaced by the fallback.
 * Pure: used by the login page, the next-auth redirect callback and proxy.ts.
 */

export const DEFAULT_AFTER_LOGIN = "/pipelines";

const PROBE_ORIGIN = "http://stepwise.invalid";

function decodeRepeatedly(value: string): string {
  let current = value;
  for (let i = 0; i < 5; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/** True when a browser would leave our origin for `candidate` once it is resolved like a URL. */
function leavesOrigin(candidate: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(candidate, PROBE_ORIGIN);
  } catch {
    return true;
  }
  // Dot segments collapse ("/.//evil", "/%2e//evil", "/..//evil" all become "//evil"): a path that starts
  // with two slashes after that is a protocol-relative URL in a Location header.
  return parsed.origin !== PROBE_ORIGIN || parsed.pathname.startsWith("//");
}

/**
 * A safe local path for `input`, or `fallback`. Accepts "/runs/abc?step=Train#x";
 * refuses absolute URLs (any scheme, any case), protocol-relative "//evil", "/\evil",
 * their percent-encoded forms, anything with control characters (tabs and newlines
 * included) or backslashes, and anything that only becomes "//…" after URL
 * normalisation (dot segments such as "/.//evil" or "/%2e//evil"). The checks run on
 * the raw value, on its percent-decoded form and on the normalised result.
 */
export function safeCallbackPath(input: unknown, fallback: string = DEFAULT_AFTER_LOGIN): string {
  if (typeof input !== "string" || input.length === 0 || input.length > 2048) return fallback;
  const decoded = decodeRepeatedly(input);
  for (const candidate of [input, decoded]) {
    if (!candidate.startsWith("/")) return fallback;
    if (candidate.startsWith("//") || candidate.startsWith("/\\")) return fallback;
    if (candidate.includes("\\")) return fallback;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(candidate)) return fallback;
    if (leavesOrigin(candidate)) return fallback;
  }
  const parsed = new URL(input, PROBE_ORIGIN);
  const path = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  // The value handed on is the normalised one, re-checked: it is what ends up in the Location header.
  if (!path.startsWith("/") || path.startsWith("//") || leavesOrigin(path)) return fallback;
  // Never bounce back into the login machinery itself.
  if (parsed.pathname === "/login" || parsed.pathname.startsWith("/api/auth")) return fallback;
  return path;
}

/**
 * next-auth's `redirect` callback: next-auth hands over either a path or an
 * absolute URL it built from the base URL; only same-origin targets survive.
 */
export function sameOriginRedirect(url: string, baseUrl: string): string {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    return baseUrl;
  }
  let candidate = url;
  if (!url.startsWith("/")) {
    try {
      const absolute = new URL(url);
      if (absolute.origin !== base.origin) return `${base.origin}${DEFAULT_AFTER_LOGIN}`;
      candidate = `${absolute.pathname}${absolute.search}${absolute.hash}`;
    } catch {
      return `${base.origin}${DEFAULT_AFTER_LOGIN}`;
    }
  }
  if (candidate === "/" || candidate === "") return `${base.origin}${DEFAULT_AFTER_LOGIN}`;
  return `${base.origin}${safeCallbackPath(candidate)}`;
}

/**
 * Where a visitor without a session goes to sign in and come back to `target`: /login, or for the
 * embeddable views (framed by another site, where /login may not be framed) /embed/signin, which signs in
 * through a popup and returns to the frame.
 */
export function signInPath(target: string | null | undefined): string {
  const path = safeCallbackPath(target);
  const embedded = path === "/embed" || path.startsWith("/embed/") || path.startsWith("/embed?");
  return `${embedded ? "/embed/signin" : "/login"}?callbackUrl=${encodeURIComponent(path)}`;
}
