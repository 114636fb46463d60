import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/**
 * Fails on any serious or critical axe finding, listing them readably. First waits for the page to have a title:
 * after a client navigation or a server action's refresh, Next.js streams the new metadata in after the page, and
 * axe run in that moment reported "document-title" (a flake of CI's second pass). A page that never gets a title
 * still fails, here.
 */
export async function expectNoSeriousA11yViolations(page: Page): Promise<void> {
  await expect(page).toHaveTitle(/\S/);
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, serious.join("\n")).toEqual([]);
}
