/** What specs wait on in a page, rather than sleeping: its requests so far, and its live stream's badge. */
import { randomUUID } from "node:crypto";
import type { Page, Request } from "@playwright/test";

/**
 * Every request the page made so far has been seen: one more request from the page, awaited at the network,
 * comes after them (requests of one page are reported in the order it makes them).
 */
export async function requestsSeen(page: Page): Promise<void> {
  const probe = `/api/health?probe=${randomUUID()}`;
  await Promise.all([
    page.waitForRequest((request) => request.url().endsWith(probe)),
    page.evaluate((url) => fetch(url).then((r) => r.status), probe),
  ]);
}

/** The header's live badge (components/live/live-indicator.tsx): data-status is the provider's state. */
export const liveIndicator = (page: Page) => page.locator('[role="status"][aria-live="polite"][data-status]');

/**
 * The page's requests still awaiting an answer, from now on (method and path, oldest first): a diagnosis for
 * a wait that fails, e.g. a control that stays disabled while the query it waits for is stuck behind others.
 */
export function requestsInFlight(page: Page): () => string {
  const open = new Set<Request>();
  page.on("request", (request) => open.add(request));
  page.on("requestfinished", (request) => open.delete(request));
  page.on("requestfailed", (request) => open.delete(request));
  return () =>
    [...open].map((request) => `${request.method()} ${new URL(request.url()).pathname}`).join(", ") || "none";
}
