/** The full Stepwise page an embeddable view stands for ("Open in Stepwise"). Pure: the frame's chrome uses it. */
export function fullPageFor(pathname: string, search = ""): string {
  const query = search.startsWith("?") ? search.slice(1) : search;
  const withQuery = (path: string, extra?: string) => {
    const parts = [extra, query].filter(Boolean);
    return parts.length ? `${path}?${parts.join("&")}` : path;
  };
  let match = /^\/embed\/runs\/([^/]+)$/.exec(pathname);
  if (match) return withQuery(`/runs/${match[1]}`);
  match = /^\/embed\/pipelines\/(\d+)\/(graph|metrics)$/.exec(pathname);
  if (match) return withQuery(`/pipelines/${match[1]}`);
  match = /^\/embed\/models\/(\d+)\/versions\/(\d+)$/.exec(pathname);
  if (match) return `/models/${match[1]}?version=${match[2]}`;
  return "/pipelines";
}

/** True for a link that leaves the embeddable views (it opens in a new tab rather than inside the frame). */
export function leavesEmbed(href: string, current: string): boolean {
  let url: URL;
  try {
    url = new URL(href, current);
  } catch {
    return false;
  }
  if (url.origin !== new URL(current).origin) return true;
  return !(url.pathname === "/embed" || url.pathname.startsWith("/embed/"));
}
