import { expect, test as setup } from "@playwright/test";
import { ADA, ADA_STATE, signInAs } from "./support/login";

// Logs in once through the real login form (local demo IdP) and saves the
// browser state that every other spec starts from.
setup("sign in as Ada through the IdP", async ({ page }) => {
  await signInAs(page, ADA, "/pipelines");
  await expect(page.getByTestId("user-slot")).toContainText("Ada Lovelace");
  await page.context().storageState({ path: ADA_STATE });
});
