/** What specs wait on in a page, rather than sleeping: its requests so far, and its live stream's badge. */
import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";

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
