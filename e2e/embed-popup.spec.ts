/**
 * The embeddable views' popup sign-in (issue 20) from a frame on ANOTHER site, in a Chromium whose user setting
 * blocks third-party cookies: the developer portal here is a page on http://127.0.0.1:<PORT + 20>, Stepwise is
 * on localhost, so every cookie of the frame is third-party (e2e/embed.spec.ts frames from localhost:<PORT + 20>,
 * the same site, where the session cookie simply flows). Two deployments:
 *  - the e2e server itself, plain http: its session cookie is SameSite=Lax, which no cross-site frame ever
 *    gets; after the popup the frame must say so and open the view in a tab;
 *  - a second app instance behind a TLS front (https://localhost:<PORT + 32>, e2e/support/tls.ts), as an
 *    embed-enabled deployment runs: its cookie is SameSite=None; Secure, and after the popup and the storage
 *    access request the frame shows the view.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import {
  type BrowserContext,
  chromium,
  expect,
  type Frame,
  type FrameLocator,
  type Page,
  test,
} from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "../lib/chromium";
import { baseURL } from "../playwright.config";
import { type SecondInstance, startSecondInstance } from "./support/instance";
import { ADA, fillIdpLogin, sessionCookie } from "./support/login";
import { startRun } from "./support/runs";
import { type TlsFront, tlsFront } from "./support/tls";

const PORT = Number(process.env.E2E_PORT ?? 3100);
/** Listed in STEPWISE_FRAME_ANCESTORS of both instances (e2e/support/server.ts, and below). */
const PORTAL = `http://127.0.0.1:${PORT + 20}`;
/** The second instance: plain http on PORT + 30 (its demo IdP on + 31), reached through the TLS front on + 32. */
const TLS_APP_PORT = PORT + 30;
const TLS_FRONT_PORT = PORT + 32;

test.setTimeout(180_000);

/** A portal page that frames `?src=` (an embeddable view of one of the two instances) full-size. */
function portal(port: number, apps: string[]): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const src = new URL(req.url ?? "/", "http://x").searchParams.get("src") ?? "";
    if (!apps.some((app) => src.startsWith(`${app}/embed/`))) {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><html lang="en"><head><title>Developer portal</title></head><body><h1>Developer portal</h1><iframe title="Stepwise" src="${src.replaceAll('"', "&quot;")}" width="1200" height="800"></iframe></body></html>`,
    );
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/**
 * A fresh Chromium profile (no session) with the user setting "Block third-party cookies" on, as its
 * Preferences file says before the browser starts.
 */
async function thirdPartyCookiesBlocked(options: { ignoreHTTPSErrors?: boolean } = {}) {
  const profile = await mkdtemp(path.join(os.tmpdir(), "stepwise-3pc-blocked-"));
  await mkdir(path.join(profile, "Default"));
  await writeFile(
    path.join(profile, "Default", "Preferences"),
    JSON.stringify({ profile: { cookie_controls_mode: 1, block_third_party_cookies: true } }),
  );
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS],
    ...options,
  });
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/**
 * What the user's "Allow" in the browser's storage-access prompt records, for the portal embedding `app` (headless
 * Chromium shows no prompt to click; the Playwright permission list has no embedded-origin form).
 */
async function allowStorageAccess(context: BrowserContext, page: Page, app: string): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Browser.setPermission", {
    permission: { name: "storage-access" },
    setting: "granted",
    origin: PORTAL,
    embeddedOrigin: app,
  });
  // The session stays attached: Chromium drops a session's permission overrides when it detaches.
}

/** Opens the portal framing `view`, checks the frame offers sign-in without storage access, and signs in. */
async function signInFromFrame(
  context: BrowserContext,
  view: string,
): Promise<{ page: Page; frame: FrameLocator; inFrame: Frame }> {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${PORTAL}/?src=${encodeURIComponent(view)}`);
  const frame = page.frameLocator('iframe[title="Stepwise"]');
  await expect(frame.getByRole("heading", { name: "Sign in to see this view" })).toBeVisible();
  const inFrame = await page
    .locator('iframe[title="Stepwise"]')
    .elementHandle()
    .then((e) => e?.contentFrame());
  if (!inFrame) throw new Error("the portal has no Stepwise frame");
  // Third-party cookies are blocked: the frame has no access to Stepwise's cookies until it asks.
  expect(await inFrame.evaluate(() => document.hasStorageAccess())).toBe(false);

  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    frame.getByRole("button", { name: "Sign in" }).click(),
  ]);
  const closed = popup.waitForEvent("close", { timeout: 30_000 });
  await popup.waitForURL(/\/interaction\//);
  await fillIdpLogin(popup, ADA);
  // /embed/signed-in told the frame and closed itself.
  await closed;
  // The session exists in the browser, but the frame may not use it yet: it asks (Storage Access API).
  await expect(frame.getByText("Your browser asks before this frame may use your Stepwise session.")).toBeVisible();
  return { page, frame, inFrame };
}

let portalServer: http.Server;
test.beforeAll(async () => {
  portalServer = await portal(PORT + 20, [baseURL, `https://localhost:${TLS_FRONT_PORT}`]);
});
test.afterAll(async () => {
  await new Promise((resolve) => portalServer.close(resolve));
});

test("over plain http the popup signs in, and the cross-site frame says it cannot use the session and opens the view in a tab", async ({
  page: ada,
}) => {
  const { publicId } = await startRun(ada, "size-recommendation-training");
  const { context, close } = await thirdPartyCookiesBlocked();
  try {
    const { page, frame, inFrame } = await signInFromFrame(context, `${baseURL}/embed/runs/${publicId}`);
    const session = (await context.cookies(baseURL)).find((c) => c.name === "stepwise.session");
    expect(session).toMatchObject({ sameSite: "Lax", secure: false });

    // The user allows storage access, so what stops the frame is the Lax cookie itself.
    await allowStorageAccess(context, page, baseURL);
    await frame.getByRole("button", { name: "Continue" }).click();
    await expect(frame.getByText(/this frame cannot use your Stepwise session/)).toBeVisible();
    expect(await inFrame.evaluate(() => document.hasStorageAccess())).toBe(true);
    await expect(frame.getByRole("link", { name: /Open in Stepwise/ })).toHaveCount(0);
    const link = frame.getByRole("link", { name: "Open this view in Stepwise" });
    await expect(link).toHaveAttribute("href", `/runs/${publicId}`);
    await expect(link).toHaveAttribute("target", "_blank");

    // In a tab of its own Stepwise is first-party: the session from the popup opens the run there.
    const [tab] = await Promise.all([context.waitForEvent("page"), link.click()]);
    await tab.waitForURL((url) => url.origin === baseURL && url.pathname === `/runs/${publicId}`);
    await expect(tab.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(tab.getByRole("navigation", { name: "Primary" })).toBeVisible();
  } finally {
    await close();
  }
});

/** One GET with exactly these headers (no redirect followed); status and the headers that answer it. */
function ask(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
      response.resume();
      response.once("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    request.on("error", reject);
  });
}

test("the embeddable views answer the Storage Access Headers: retry for a cookie-less framed visit that holds the permission, load for an active one", async ({
  page: ada,
}) => {
  const { publicId } = await startRun(ada, "size-recommendation-training");
  const view = `${baseURL}/embed/runs/${publicId}`;
  const inactive = { "sec-fetch-storage-access": "inactive", origin: PORTAL };

  // Permission granted, not active, no cookie: the sign-in redirect, and the browser is asked to retry first.
  const retry = await ask(view, inactive);
  expect(retry.status).toBe(307);
  const signin = new URL(retry.headers.location ?? "", baseURL);
  expect(`${signin.pathname}${signin.search}`).toBe(
    `/embed/signin?callbackUrl=${encodeURIComponent(`/embed/runs/${publicId}`)}`,
  );
  expect(retry.headers["activate-storage-access"]).toBe(`retry; allowed-origin="${PORTAL}"`);
  expect(retry.headers.vary).toContain("Sec-Fetch-Storage-Access");

  // No retry where the permission is missing, the framer is not listed or unknown, or the page is no view.
  for (const headers of <Record<string, string>[]>[
    { ...inactive, "sec-fetch-storage-access": "none" },
    { ...inactive, origin: `http://127.0.0.1:${PORT + 21}` },
    { "sec-fetch-storage-access": "inactive" },
    {},
  ]) {
    const answer = await ask(view, headers);
    expect(answer.status).toBe(307);
    expect(answer.headers["activate-storage-access"]).toBeUndefined();
  }
  const portalPage = await ask(`${baseURL}/runs/${publicId}`, inactive);
  expect(portalPage.headers["activate-storage-access"]).toBeUndefined();

  // The retried request carries the cookie and says "active": the view, kept active for the document.
  const cookie = await sessionCookie(ada);
  const active = await ask(view, {
    "sec-fetch-storage-access": "active",
    origin: PORTAL,
    cookie: `${cookie.name}=${cookie.value}`,
  });
  expect(active.status).toBe(200);
  expect(active.headers["activate-storage-access"]).toBe("load");
});

test.describe("behind TLS, as an embed-enabled deployment runs", () => {
  let second: SecondInstance | undefined;
  let front: TlsFront | undefined;

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    second = await startSecondInstance({
      port: TLS_APP_PORT,
      idpPort: TLS_APP_PORT + 1,
      env: { NEXTAUTH_URL: `https://localhost:${TLS_FRONT_PORT}`, STEPWISE_FRAME_ANCESTORS: PORTAL },
      logFile: path.resolve(`test-results/e2e-${PORT}`, "tls-instance.log"),
    });
    front = await tlsFront(TLS_FRONT_PORT, TLS_APP_PORT);
  });

  test.afterAll(async () => {
    await front?.close();
    await second?.stop();
  });

  test("the popup signs in, the frame asks for storage access, and then shows the run", async ({ page: ada }) => {
    if (!front) throw new Error("no TLS front");
    const app = front.url;
    const { publicId } = await startRun(ada, "size-recommendation-training");
    const { context, close } = await thirdPartyCookiesBlocked({ ignoreHTTPSErrors: true });
    try {
      const { page, frame, inFrame } = await signInFromFrame(context, `${app}/embed/runs/${publicId}`);
      // What an embed-enabled deployment over https sets: a cookie a cross-site frame may be given.
      const session = (await context.cookies(app)).find((c) => c.name === "__Host-stepwise.session");
      expect(session).toMatchObject({ sameSite: "None", secure: true });

      await allowStorageAccess(context, page, app);
      await frame.getByRole("button", { name: "Continue" }).click();
      await expect(frame.getByRole("link", { name: /Open in Stepwise/ })).toHaveAttribute("href", `/runs/${publicId}`);
      await expect(frame.getByRole("heading", { level: 1 })).toBeVisible();
      await expect(frame.getByRole("heading", { name: "Sign in to see this view" })).toHaveCount(0);
      // The reloaded view kept the storage access its sign-in prompt was given.
      expect(await inFrame.evaluate(() => document.hasStorageAccess())).toBe(true);
      expect(new URL(inFrame.url()).pathname).toBe(`/embed/runs/${publicId}`);

      // A repeat visit (the portal page loaded again): the permission stays granted, but a new frame does not use
      // it until asked, so its first request carries no cookie. The browser says so (Sec-Fetch-Storage-Access:
      // inactive), Stepwise answers "retry", and the browser asks again with the cookie: no sign-in step.
      const asked: Promise<{ url: string; access: string | null; cookie: boolean }>[] = [];
      page.on("request", (request) => {
        if (!request.isNavigationRequest() || !request.url().startsWith(`${app}/embed/`)) return;
        // allHeaders(): headers() leaves out the Sec- and cookie headers this is about.
        asked.push(
          request.allHeaders().then((headers) => ({
            url: new URL(request.url()).pathname,
            access: headers["sec-fetch-storage-access"] ?? null,
            cookie: /stepwise\.session=/.test(headers.cookie ?? ""),
          })),
        );
      });
      await page.reload();
      const again = page.frameLocator('iframe[title="Stepwise"]');
      await expect(again.getByRole("link", { name: /Open in Stepwise/ })).toHaveAttribute("href", `/runs/${publicId}`);
      await expect(again.getByRole("heading", { level: 1 })).toBeVisible();
      await expect(again.getByRole("heading", { name: "Sign in to see this view" })).toHaveCount(0);
      const reloaded = await page
        .locator('iframe[title="Stepwise"]')
        .elementHandle()
        .then((e) => e?.contentFrame());
      expect(new URL(reloaded?.url() ?? "").pathname).toBe(`/embed/runs/${publicId}`);
      // The "load" answer kept the permission active for the view, so its own requests carry the session.
      expect(await reloaded?.evaluate(() => document.hasStorageAccess())).toBe(true);
      const view = `/embed/runs/${publicId}`;
      // One navigation: the browser's retry of it with the cookie is not reported as another request, and the
      // sign-in redirect it answered (had the browser followed it) would be.
      expect(await Promise.all(asked)).toEqual([{ url: view, access: "inactive", cookie: false }]);
    } finally {
      await close();
    }
  });
});
