import { randomUUID } from "node:crypto";
import { request as apiRequest, expect, test } from "@playwright/test";
import pg from "pg";
import { baseURL } from "../playwright.config";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { e2eEnv } from "./support/env";
import { BEN, CLEO, fillIdpLogin, NO_SESSION, sessionCookie, signInAs } from "./support/login";

test.describe("login", () => {
  test.describe("logged out", () => {
    test.use({ storageState: NO_SESSION });

    test("a deep link goes through the IdP login and lands on that exact URL", async ({ page }) => {
      await page.goto("/models?x=1&tab=graph#step=Train");
      await expect(page).toHaveURL(/localhost:\d+\/interaction\//);
      await fillIdpLogin(page, BEN);
      await page.waitForURL(`${baseURL}/models?x=1&tab=graph#step=Train`);
      await expect(page.getByRole("heading", { level: 1, name: "Models" })).toBeVisible();
      await expect(page.getByTestId("user-slot")).toContainText("Ben Okafor");
    });

    test("a login whose e-mail address the IdP has not verified is refused, and leaves no session", async ({
      page,
    }) => {
      await page.goto("/models");
      await page.waitForURL(/\/interaction\//);
      await fillIdpLogin(page, "eve@stepwise.local");
      await page.waitForURL(/\/login\?error=EmailNotVerified/);
      await expect(page.getByText("has not verified your e-mail address")).toBeVisible();
      const cookies = await page.context().cookies(baseURL);
      expect(cookies.find((c) => c.name.endsWith("stepwise.session"))).toBeUndefined();
      expect((await page.request.get("/api/v1/me")).status()).toBe(401);
    });

    test("a wrong password is refused by the IdP", async ({ page }) => {
      await page.goto("/pipelines");
      await page.waitForURL(/\/interaction\//);
      await fillIdpLogin(page, BEN, "not-the-password");
      await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
      await expect(page.getByLabel("Email")).toHaveValue(BEN);
    });

    test("API requests without credentials get 401 JSON, never a redirect", async ({ request }) => {
      for (const path of ["/api/v1/me", "/api/v1/openapi.json", "/api/v1/teams/fit-and-size"]) {
        const response = await request.get(path, { maxRedirects: 0 });
        expect(response.status(), path).toBe(401);
        expect(await response.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
      }
      const health = await request.get("/api/health");
      expect(health.status()).toBe(200);
    });

    test("pages without a session redirect to login with the exact path and query", async ({ request }) => {
      const response = await request.get("/runs/abc?step=Train&tab=logs", { maxRedirects: 0 });
      expect(response.status()).toBe(307);
      const location = new URL(response.headers().location ?? "", baseURL);
      expect(location.pathname).toBe("/login");
      expect(location.searchParams.get("callbackUrl")).toBe("/runs/abc?step=Train&tab=logs");
    });

    test("the login page and the IdP form are accessible", async ({ page }) => {
      await page.goto("/login?signedOut=1");
      await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();
      await expect(page.getByRole("button", { name: "Sign in with Stepwise demo SSO" })).toBeVisible();
      await expectNoSeriousA11yViolations(page);
      await page.screenshot({ path: "test-results/screens/login-page.png", fullPage: true });

      await page.getByRole("button", { name: "Sign in with Stepwise demo SSO" }).click();
      await page.waitForURL(/\/interaction\//);
      await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
      await expectNoSeriousA11yViolations(page);
      await page.screenshot({ path: "test-results/screens/idp-login-page.png", fullPage: true });
    });

    // Issue #14: "/.//evil.example" and "/%2e//evil.example" only become "//evil.example" once normalised.
    for (const target of [
      "https://evil.example/phish",
      "%2F%2Fevil.example",
      "/.//evil.example",
      "/%2e//evil.example",
    ]) {
      test(`an off-site callbackUrl (${target}) is refused through the whole flow`, async ({ page }) => {
        await page.goto(`/login?callbackUrl=${encodeURIComponent(target)}`);
        await page.waitForURL(/\/interaction\//);
        await fillIdpLogin(page, BEN);
        await page.waitForURL(`${baseURL}/pipelines`);
      });
    }
  });

  test("off-site callbackUrl variants are refused", async ({ page }) => {
    for (const target of [
      "https://evil.example/",
      "//evil.example",
      "/\\evil.example",
      "%2F%2Fevil.example",
      "%252F%252Fevil.example",
      "/%2F%2Fevil.example",
      "javascript:alert(document.domain)",
      "http:evil.example",
    ]) {
      await page.goto(`/login?callbackUrl=${encodeURIComponent(target)}`);
      await page.waitForURL(`${baseURL}/pipelines`);
    }
    // A same-origin path is honoured.
    await page.goto(`/login?callbackUrl=${encodeURIComponent("/models?x=2")}`);
    await page.waitForURL(`${baseURL}/models?x=2`);
  });

  test("next-auth's own sign-in endpoint refuses an off-site callbackUrl", async ({ page }) => {
    const csrf = await (await page.request.get("/api/auth/csrf")).json();
    const response = await page.request.post("/api/auth/signin/oidc", {
      form: { csrfToken: csrf.csrfToken, callbackUrl: "https://evil.example/", json: "true" },
    });
    expect(response.ok()).toBe(true);
    const cookies = await page.context().cookies(baseURL);
    const callback = cookies.find((c) => c.name.endsWith("stepwise.callback-url"));
    expect(decodeURIComponent(callback?.value ?? "")).toBe(`${baseURL}/pipelines`);
  });

  test("responses carry the security headers", async ({ page }) => {
    const response = await page.goto("/pipelines");
    const headers = response?.headers() ?? {};
    expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["content-security-policy"]).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    const session = (await page.context().cookies(baseURL)).find((c) => c.name.endsWith("stepwise.session"));
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  });
});

test.describe("ending sessions", () => {
  test("sign-out ends access for that session at once", async ({ browser }) => {
    const context = await browser.newContext({ storageState: NO_SESSION });
    const page = await context.newPage();
    await signInAs(page, BEN, "/pipelines");
    const cookie = await sessionCookie(page);
    const asOldSession = await apiRequest.newContext({
      baseURL,
      extraHTTPHeaders: { cookie: `${cookie.name}=${cookie.value}` },
    });
    expect((await asOldSession.get("/api/v1/me")).status()).toBe(200);

    await page.getByTestId("user-slot").locator("summary").click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(/\/login\?signedOut=1/);
    await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();

    // The old cookie is worthless: the server-side session is gone.
    expect((await asOldSession.get("/api/v1/me")).status()).toBe(401);
    const pageResponse = await asOldSession.get("/pipelines", { maxRedirects: 0 });
    expect(pageResponse.status()).toBe(307);
    expect(pageResponse.headers().location).toContain("/login?callbackUrl=%2Fpipelines");
    await asOldSession.dispose();
    await context.close();
  });

  test("an admin revoking a session ends its access; a non-member gets 403 on a team write; both audited", async ({
    browser,
    page,
  }) => {
    const cleoContext = await browser.newContext({ storageState: NO_SESSION });
    const cleo = await cleoContext.newPage();
    await signInAs(cleo, CLEO, "/models");

    // Cleo reviews for "returns" but is not a member of "fit-and-size": no write there.
    const denied = await cleo.request.patch("/api/v1/teams/fit-and-size", { data: { name: "Hijacked" } });
    expect(denied.status()).toBe(403);
    expect((await denied.json()).error.code).toBe("forbidden");
    // Ada (member of fit-and-size) may; the name is put back so later specs see the team as it was.
    const original = (await (await page.request.get("/api/v1/teams/fit-and-size")).json()).name as string;
    const allowed = await page.request.patch("/api/v1/teams/fit-and-size", { data: { name: "Fit & Size" } });
    expect(allowed.status()).toBe(200);
    expect((await allowed.json()).name).toBe("Fit & Size");
    const restored = await page.request.patch("/api/v1/teams/fit-and-size", { data: { name: original } });
    expect(restored.status()).toBe(200);

    await page.goto("/admin/audit");
    // Cleo's sessions: this one, and any an earlier spec left open (e.g. the alerts page's read-only view).
    const rows = page.getByTestId("session-row").filter({ hasText: CLEO });
    await expect(rows.first()).toBeVisible();
    for (let open = await rows.count(); open > 0; open--) {
      await rows
        .first()
        .getByRole("button", { name: /Revoke session/ })
        .click();
      await expect(rows).toHaveCount(open - 1);
    }

    // Cleo's very next request is refused.
    expect((await cleo.request.get("/api/v1/me")).status()).toBe(401);
    const next = await cleo.request.get("/models", { maxRedirects: 0 });
    expect(next.status()).toBe(307);
    expect(next.headers().location).toContain("/login");

    // The audit log shows the logins, the refused and the allowed write, and the revocation.
    await page.goto("/admin/audit");
    const audit = page.getByTestId("audit-row");
    await expect(audit.filter({ hasText: "session.revoke" }).first()).toContainText("ada@stepwise.local");
    await expect(audit.filter({ hasText: "team.update" }).filter({ hasText: CLEO }).first()).toContainText("denied");
    await expect(
      audit.filter({ hasText: "team.update" }).filter({ hasText: "ada@stepwise.local" }).first(),
    ).toContainText("ok");
    await expect(audit.filter({ hasText: "auth.login" }).filter({ hasText: CLEO }).first()).toContainText("ok");
    await expect(audit.filter({ hasText: "api.unauthorized" }).first()).toBeVisible();
    await cleoContext.close();
  });

  test("non-admins cannot see the audit log", async ({ browser }) => {
    const context = await browser.newContext({ storageState: NO_SESSION });
    const page = await context.newPage();
    await signInAs(page, BEN, "/admin/audit");
    await expect(page.getByText("Only Stepwise admins can see the audit log")).toBeVisible();
    await expect(page.getByTestId("audit-row")).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Audit log" })).toHaveCount(0);
    await context.close();
  });
});

test.describe("client addresses", () => {
  test.use({ storageState: NO_SESSION });

  test("audit rows record the TCP peer, not an X-Forwarded-For the client wrote (no trusted proxy)", async () => {
    const agent = `e2e-xff-${randomUUID()}`;
    const response = await fetch(`${baseURL}/api/v1/me`, {
      headers: {
        "user-agent": agent,
        cookie: "stepwise.session=forged",
        "x-forwarded-for": "1.2.3.4",
        "x-real-ip": "1.2.3.4",
        "x-stepwise-peer": "5.6.7.8",
        "x-stepwise-forwarded-for": "5.6.7.8",
      },
    });
    expect(response.status).toBe(401);
    const client = new pg.Client({ connectionString: e2eEnv().databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ ip: string | null }>("SELECT ip FROM audit_log WHERE user_agent = $1", [
        agent,
      ]);
      expect(rows).toEqual([{ ip: "127.0.0.1" }]);
    } finally {
      await client.end();
    }
  });
});
