/**
 * Who may frame Stepwise. Framing is off by default (CSP `frame-ancestors 'none'` everywhere); with
 * STEPWISE_FRAME_ANCESTORS listing origins (e.g. the developer portal: `https://backstage.example.com`),
 * the embeddable views under /embed/ — and only they — may be framed by Stepwise itself and those origins.
 * Pure (no server imports): proxy.ts runs it on every request.
 */

/** One CSP host-source: scheme://host[:port], the host optionally starting with `*.`. */
const ORIGIN = /^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;

export type FrameAncestors = { origins: string[]; rejected: string[] };

/** Parses the setting (comma- or space-separated); entries that are not plain origins are rejected, not guessed. */
export function parseFrameAncestors(value: string | undefined): FrameAncestors {
  const origins: string[] = [];
  const rejected: string[] = [];
  for (const raw of (value ?? "").split(/[\s,]+/)) {
    const entry = raw.trim().replace(/\/+$/, "").toLowerCase();
    if (!entry) continue;
    if (ORIGIN.test(entry)) {
      if (!origins.includes(entry)) origins.push(entry);
    } else {
      rejected.push(raw.trim());
    }
  }
  return { origins, rejected };
}

/** The paths that may be framed when framing is on: the embeddable views and their sign-in pages. */
export function isEmbedPath(pathname: string): boolean {
  return pathname === "/embed" || pathname.startsWith("/embed/");
}

/** The CSP `frame-ancestors` directive for a path. */
export function frameAncestorsDirective(pathname: string, setting: FrameAncestors): string {
  if (!isEmbedPath(pathname) || setting.origins.length === 0) return "frame-ancestors 'none'";
  return `frame-ancestors 'self' ${setting.origins.join(" ")}`;
}

export function framingEnabled(setting: FrameAncestors): boolean {
  return setting.origins.length > 0;
}
