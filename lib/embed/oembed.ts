/**
 * oEmbed (https://oembed.com, version 1.0) for shared Stepwise URLs: a chat tool or wiki that finds the
 * run page's `<link rel="alternate" type="application/json+oembed">` asks /api/oembed?url=… and gets a
 * "rich" answer whose html frames the matching embeddable view. Pure: the route reads the data.
 */

export type EmbedTarget =
  | { kind: "run"; id: string }
  | { kind: "pipeline"; id: number }
  | { kind: "model"; id: number; version: number };

const INT = /^[1-9]\d{0,9}$/;

/** What a Stepwise URL (absolute on `origin`, or a path) shows, or null when it is not one we can embed. */
export function embedTargetOf(url: string, origin: string): EmbedTarget | null {
  let parsed: URL;
  try {
    parsed = new URL(url, origin);
  } catch {
    return null;
  }
  if (parsed.origin !== new URL(origin).origin) return null;
  const segments = parsed.pathname
    .replace(/^\/embed(?=\/)/, "")
    .split("/")
    .filter(Boolean)
    .map(safeDecode);
  if (segments.some((s) => s === null || s.length > 512)) return null;
  const [first, second, third, fourth] = segments as string[];
  if (first === "runs" && second && segments.length === 2) return { kind: "run", id: second };
  if (
    first === "pipelines" &&
    second &&
    INT.test(second) &&
    (segments.length === 2 || third === "graph" || third === "metrics")
  )
    return { kind: "pipeline", id: Number(second) };
  if (first === "models" && second && INT.test(second)) {
    const version = third === "versions" ? fourth : (parsed.searchParams.get("version") ?? undefined);
    if (version && INT.test(version) && segments.length <= 4)
      return { kind: "model", id: Number(second), version: Number(version) };
  }
  return null;
}

function safeDecode(segment: string): string | null {
  try {
    const value = decodeURIComponent(segment);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    return /[\u0000-\u001f\u007f]/.test(value) ? null : value;
  } catch {
    return null;
  }
}

export function embedPath(target: EmbedTarget): string {
  switch (target.kind) {
    case "run":
      return `/embed/runs/${encodeURIComponent(target.id)}`;
    case "pipeline":
      return `/embed/pipelines/${target.id}/metrics`;
    case "model":
      return `/embed/models/${target.id}/versions/${target.version}`;
  }
}

const escapeAttribute = (value: string) =>
  value.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export type OEmbed = {
  version: "1.0";
  type: "rich";
  provider_name: "Stepwise";
  provider_url: string;
  title: string;
  html: string;
  width: number;
  height: number;
  cache_age: number;
};

/** The oEmbed answer; the frame's size honours the consumer's maxwidth/maxheight. */
export function oembedFor(options: {
  origin: string;
  target: EmbedTarget;
  title: string;
  maxWidth?: number;
  maxHeight?: number;
}): OEmbed {
  const width = Math.min(960, options.maxWidth ?? 960);
  const height = Math.min(options.target.kind === "model" ? 900 : 600, options.maxHeight ?? 900);
  const src = `${options.origin}${embedPath(options.target)}`;
  return {
    version: "1.0",
    type: "rich",
    provider_name: "Stepwise",
    provider_url: `${options.origin}/`,
    title: options.title,
    html: `<iframe src="${escapeAttribute(src)}" width="${width}" height="${height}" title="${escapeAttribute(options.title)}" style="border:0" loading="lazy"></iframe>`,
    width,
    height,
    // Status changes: consumers should ask again after a few minutes rather than cache a run's state.
    cache_age: 300,
  };
}
