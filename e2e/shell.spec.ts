import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/a11y";

test.describe("portal shell", () => {
  test("health endpoint reports the database", async ({ request }) => {
    const response = await request.get("/api/health");
    expect(response.status()).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: "ok", db: { ok: true } });
    expect(JSON.stringify(body)).not.toMatch(/postgres(ql)?:\/\//);
  });

  for (const colorScheme of ["light", "dark"] as const) {
    test(`header, navigation and pages are usable (${colorScheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme });
      await page.goto("/");
      await expect(page).toHaveURL(/\/pipelines$/);
      const nav = page.getByRole("navigation", { name: "Primary" });
      await expect(page.getByRole("link", { name: "Stepwise" })).toBeVisible();
      await expect(nav.getByRole("link", { name: "Pipelines" })).toHaveAttribute("aria-current", "page");
      await expect(page.getByRole("heading", { level: 1, name: "Pipelines" })).toBeVisible();
      // Specs run signed in as Ada (e2e/auth.setup.ts).
      await expect(page.getByTestId("user-slot")).toContainText("Ada Lovelace");
      await expectNoSeriousA11yViolations(page);
      await page.screenshot({ path: `test-results/screens/shell-pipelines-${colorScheme}.png`, fullPage: true });

      // Keyboard: the skip link comes first and lands on the main content.
      await page.keyboard.press("Tab");
      await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();

      await nav.getByRole("link", { name: "Models" }).click();
      await expect(page).toHaveURL(/\/models$/);
      await expect(nav.getByRole("link", { name: "Models" })).toHaveAttribute("aria-current", "page");
      await expect(nav.getByRole("link", { name: "Pipelines" })).not.toHaveAttribute("aria-current", "page");
      await expectNoSeriousA11yViolations(page);
    });
  }

  test("unknown addresses get a real 404 page", async ({ page }) => {
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  });
});
