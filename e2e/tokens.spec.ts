import { request as apiRequest, expect, test } from "@playwright/test";
import { baseURL } from "../playwright.config";
import { expectNoSeriousA11yViolations } from "./support/a11y";

test("API tokens: create (shown once), use, read-only on writes, revoke", async ({ page }) => {
  await page.goto("/settings/tokens");
  await expect(page.getByRole("heading", { level: 1, name: "API tokens" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  // The user menu links here and to the admin pages.
  const menu = page.getByTestId("user-slot").locator("summary");
  await menu.click();
  await expect(page.getByRole("link", { name: "Audit log" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out everywhere" })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/user-menu.png" });
  await menu.click();

  const name = `notebook-${Date.now().toString(36)}`;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Expires").selectOption("30");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = page.getByTestId("new-token");
  await expect(secret).toHaveValue(/^sw_[A-Za-z0-9_-]{40,}$/);
  const token = await secret.inputValue();
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("read-only");
  await expect(row).toContainText(token.slice(0, 10));
  await expect(row).not.toContainText(token);
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: "test-results/screens/tokens-page.png", fullPage: true });

  const api = await apiRequest.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
  const me = await api.get("/api/v1/me");
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ email: "ada@stepwise.local", via: "token", canWrite: false });
  const write = await api.patch("/api/v1/teams/fit-and-size", { data: { name: "Nope" } });
  expect(write.status()).toBe(403);
  expect((await write.json()).error.message).toMatch(/read-only/);

  // The token is shown once: after a reload only its prefix remains.
  await page.reload();
  await expect(page.getByTestId("new-token")).toHaveCount(0);
  await page.getByRole("button", { name: `Revoke token ${name}` }).click();
  await expect(page.getByRole("row").filter({ hasText: name })).toContainText("revoked");
  expect((await api.get("/api/v1/me")).status()).toBe(401);
  await api.dispose();

  await page.goto("/admin/audit?action=token.");
  await expect(page.getByTestId("audit-row").filter({ hasText: "token.revoke" }).first()).toBeVisible();
  await expect(page.getByTestId("audit-row").filter({ hasText: "token.create" }).first()).toContainText(name);
});
