/**
 * Logging in through the real OIDC flow: the app redirects to the local demo
 * IdP (started by `npm start` / e2e/support/server.ts on PORT + 1), we fill its
 * login form, and the IdP sends the browser back through next-auth's callback.
 *
 * Specs run as Ada (admin, fit-and-size) by default: the "setup" project logs in
 * once and saves e2e/.auth/ada-<E2E_PORT>.json, which playwright.config.ts hands to every
 * other spec. For another user, use a fresh context:
 *
 *   const context = await browser.newContext({ storageState: NO_SESSION });
 *   const page = await context.newPage();
 *   await signInAs(page, "ben@stepwise.local", "/pipelines");
 */
import { expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "stepwise";
export const ADA = "ada@stepwise.local";
export const BEN = "ben@stepwise.local";
export const CLEO = "cleo@stepwise.local";
/** Per port, so parallel e2e runs in one checkout (different E2E_PORT) do not share a session file. */
export const ADA_STATE = `e2e/.auth/ada-${Number(process.env.E2E_PORT ?? 3100)}.json`;
export const NO_SESSION = { cookies: [], origins: [] };

/** Fills the IdP's login form (the page must be on it). */
export async function fillIdpLogin(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Opens `path` logged out, signs in at the IdP and waits to be back on `path`. */
export async function signInAs(page: Page, email: string, path = "/pipelines"): Promise<void> {
  await page.goto(path);
  await page.waitForURL(/\/interaction\//);
  await fillIdpLogin(page, email);
  const expected = new URL(path, "http://x");
  await page.waitForURL((url) => url.pathname === expected.pathname && url.search === expected.search);
}

/** The value of the app's session cookie in the page's context. */
export async function sessionCookie(page: Page): Promise<{ name: string; value: string }> {
  const cookies = await page.context().cookies();
  const cookie = cookies.find((c) => c.name.endsWith("stepwise.session"));
  if (!cookie) throw new Error("no session cookie");
  return { name: cookie.name, value: cookie.value };
}
