/**
 * The Storage Access Headers exchange of the embeddable views (Chromium 133+; privacycg "Storage Access
 * Headers"). A cross-site frame whose user once granted storage access (the popup sign-in, then "Continue")
 * gets its cookies again on a later visit only after the frame asks — unless the server answers the headers:
 *  - the browser marks a request from a context that holds the permission without using it
 *    `Sec-Fetch-Storage-Access: inactive` (and sends `Origin`); such a request carries no session cookie, so
 *    the proxy would send the frame to the sign-in prompt. Answering `Activate-Storage-Access: retry;
 *    allowed-origin="<that origin>"` makes the browser activate the permission and send the request again,
 *    with the cookies. It is answered on that very redirect: a browser that does not retry follows it, as before;
 *  - a request that carries the activated permission says `active`; `Activate-Storage-Access: load` keeps it
 *    active for the document it loads, so the view's own requests (API, live stream) carry the cookies too.
 * Retry is offered only to origins STEPWISE_FRAME_ANCESTORS lets frame the views (the permission is the
 * user's, but which sites may use it through Stepwise is ours to say). Pure: proxy.ts runs it.
 */
import { type FrameAncestors, isEmbedPath } from "./frame-ancestors";

export const STORAGE_ACCESS_REQUEST = "sec-fetch-storage-access";
export const STORAGE_ACCESS_RESPONSE = "Activate-Storage-Access";

const DEFAULT_PORT: Record<string, string> = { "http:": "80", "https:": "443" };

/** Whether `origin` (an Origin header) is one of the listed frame ancestors, `*.` host wildcards included. */
export function isAllowedFramer(origin: string, setting: FrameAncestors): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  // An Origin header is scheme://host[:port] and nothing else ("null" for opaque origins fails above).
  if (url.origin !== origin.toLowerCase() || !(url.protocol in DEFAULT_PORT)) return false;
  const port = url.port || DEFAULT_PORT[url.protocol];
  return setting.origins.some((entry) => {
    const wildcard = entry.includes("://*.");
    const allowed = new URL(entry.replace("://*.", "://"));
    if (allowed.protocol !== url.protocol || (allowed.port || DEFAULT_PORT[allowed.protocol]) !== port) return false;
    return wildcard ? url.hostname.endsWith(`.${allowed.hostname}`) : url.hostname === allowed.hostname;
  });
}

/**
 * The headers to add to the answer to a request for `pathname`: `Activate-Storage-Access` when the exchange
 * applies (see the top of this file) and `Vary` on every embeddable view's answer, since it depends on the header.
 */
export function storageAccessHeaders(options: {
  pathname: string;
  /** The request's Sec-Fetch-Storage-Access (null when absent). */
  status: string | null;
  origin: string | null;
  /** The proxy is sending this request, which carries no session cookie, to the sign-in prompt. */
  toSignIn: boolean;
  setting: FrameAncestors;
}): Record<string, string> {
  const { pathname, status, origin, toSignIn, setting } = options;
  if (!isEmbedPath(pathname) || setting.origins.length === 0) return {};
  const vary = { Vary: "Sec-Fetch-Storage-Access" };
  if (status === "inactive" && toSignIn && origin && isAllowedFramer(origin, setting)) {
    return { ...vary, [STORAGE_ACCESS_RESPONSE]: `retry; allowed-origin="${origin.toLowerCase()}"` };
  }
  if (status === "active") return { ...vary, [STORAGE_ACCESS_RESPONSE]: "load" };
  return vary;
}
