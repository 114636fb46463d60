/**
 * Embeddable views framed by another site (the developer portal): STEPWISE_FRAME_ANCESTORS lists
 * http://localhost:<PORT + 20> for the app under test (e2e/support/server.ts); a page on PORT + 21 is
 * not listed. Each "portal" here is a one-line HTML page with an iframe, served by this spec.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, type Page, test } from "@playwright/test";
import { baseURL } from "../playwright.config";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { ADA, fillIdpLogin, NO_SESSION } from "./support/login";
import { admin, executionStatus, finish, startRun } from "./support/runs";

const PORT = Number(process.env.E2E_PORT ?? 3100);
const ALLOWED = `http://localhost:${PORT + 20}`;
const REFUSED = `http://localhost:${PORT + 21}`;

test.setTimeout(180_000);

/** A page that frames `?src=` (a path of the app) full-size. */
function portal(port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const src = new URL(req.url ?? "/", "http://x").searchParams.get("src") ?? "/";
    const frameUrl = new URL(src, baseURL).toString().replaceAll('"', "&quot;");
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><html lang="en"><head><title>Developer portal</title></head><body><h1>Developer portal</h1><iframe title="Stepwise" src="${frameUrl}" width="1200" height="800"></iframe></body></html>`,
    );
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

let servers: http.Server[] = [];
test.beforeAll(async () => {
  servers = await Promise.all([portal(PORT + 20), portal(PORT + 21)]);
  for (const server of servers) expect((server.address() as AddressInfo).port).toBeGreaterThan(0);
});
test.afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** The id of a pipeline the demo data has runs of. */
async function somePipeline(page: Page): Promise<number> {
  const answer = await page.request.get("/api/v1/pipelines");
  const [first] = ((await answer.json()) as { pipelines: { id: number }[] }).pipelines;
  if (!first) throw new Error("no pipeline");
  return first.id;
}

test("an allowed origin frames the run view, which follows the run live and links out to Stepwise", async ({
  page,
}) => {
  // Manual task mode: the run holds on its first task (so the frame sees it running) until the test releases
  // every task; in auto mode it ran its simulated training at 20× for about a minute of the suite's time.
  await admin(page.request, "/config", { taskMode: "manual", timeScale: 5000 });
  try {
    await followsTheRunLive(page);
  } finally {
    await admin(page.request, "/config", { taskMode: "auto", timeScale: 20 });
  }
});

async function followsTheRunLive(page: Page): Promise<void> {
  const { arn, publicId } = await startRun(page, "size-recommendation-training");
  await page.goto(`${ALLOWED}/?src=${encodeURIComponent(`/embed/runs/${publicId}`)}`);
  const frame = page.frameLocator('iframe[title="Stepwise"]');
  await expect(frame.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(frame.getByText("Running").first()).toBeVisible();
  // No portal navigation inside the frame; a link out to the full page, in a new tab.
  await expect(frame.getByRole("navigation", { name: "Primary" })).toHaveCount(0);
  const open = frame.getByRole("link", { name: /Open in Stepwise/ });
  await expect(open).toHaveAttribute("href", `/runs/${publicId}`);
  await expect(open).toHaveAttribute("target", "_blank");
  // Read-only: the run actions are not offered inside a frame, even to a member of the owning team.
  await expect(frame.getByRole("button", { name: /^Stop/ })).toHaveCount(0);

  const status = await finish(page.request, arn);
  expect(status).toBe(await executionStatus(page.request, arn));
  const word = status === "SUCCEEDED" ? "Succeeded" : status === "FAILED" ? "Failed" : status;
  // The frame was not reloaded: the live stream brought the end of the run.
  await expect(frame.getByText(word).first()).toBeVisible({ timeout: 60_000 });
}

test("the embeddable views have no serious accessibility findings", async ({ page }) => {
  const pipelineId = await somePipeline(page);
  // Each view on its own (axe checks one document; in the portal the frame is a document of its own).
  for (const path of [
    `/embed/pipelines/${pipelineId}/graph`,
    `/embed/pipelines/${pipelineId}/metrics`,
    "/embed/signin",
  ]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await page.screenshot({
      path: `test-results/screens/embed${path.replace(/\/embed|\/\d+/g, "").replaceAll("/", "-")}.png`,
    });
  }
});

test("a portal page, and any origin not listed, may not frame Stepwise (CSP frame-ancestors)", async ({ page }) => {
  const refusals: string[] = [];
  page.on("console", (message) => {
    if (/frame-ancestors|Refused to (display|frame)/i.test(message.text())) refusals.push(message.text());
  });
  const embedPath = `/embed/pipelines/${await somePipeline(page)}/metrics`;

  const headers = (await page.request.get(embedPath)).headers();
  expect(headers["content-security-policy"]).toContain(`frame-ancestors 'self' ${ALLOWED}`);
  expect(headers["x-frame-options"]).toBeUndefined();
  const portalHeaders = (await page.request.get("/pipelines")).headers();
  expect(portalHeaders["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(portalHeaders["x-frame-options"]).toBe("DENY");

  await page.goto(`${REFUSED}/?src=${encodeURIComponent(embedPath)}`);
  await expect.poll(() => refusals.length, { timeout: 15_000 }).toBeGreaterThan(0);
  await expect(page.frameLocator('iframe[title="Stepwise"]').getByText("Metric evolution")).toHaveCount(0);

  refusals.length = 0;
  await page.goto(`${ALLOWED}/?src=${encodeURIComponent("/pipelines")}`);
  await expect.poll(() => refusals.length, { timeout: 15_000 }).toBeGreaterThan(0);
  await expect(page.frameLocator('iframe[title="Stepwise"]').getByRole("navigation")).toHaveCount(0);

  // The allowed origin does get the embeddable view.
  await page.goto(`${ALLOWED}/?src=${encodeURIComponent(embedPath)}`);
  await expect(
    page
      .frameLocator('iframe[title="Stepwise"]')
      .getByText(/metric evolution/i)
      .first(),
  ).toBeVisible();
});

// The portal here is localhost:<PORT + 20>, the same site as the app (a port does not make another site), so the
// frame gets the SameSite=Lax session cookie; the cross-site case, third-party cookies blocked, is
// e2e/embed-popup.spec.ts.
test("signing in from inside the frame goes through a popup and comes back to the view", async ({
  browser,
  page: ada,
}) => {
  const pipelineId = await somePipeline(ada);
  const context = await browser.newContext({ storageState: NO_SESSION, baseURL });
  const page = await context.newPage();
  const pipelines = await page.request.get("/api/v1/pipelines");
  expect(pipelines.status()).toBe(401);
  await page.goto(`${ALLOWED}/?src=${encodeURIComponent(`/embed/pipelines/${pipelineId}/graph`)}`);
  const frame = page.frameLocator('iframe[title="Stepwise"]');
  await expect(frame.getByRole("heading", { name: "Sign in to see this view" })).toBeVisible();
  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    frame.getByRole("button", { name: "Sign in" }).click(),
  ]);
  await popup.waitForURL(/\/interaction\//);
  await fillIdpLogin(popup, ADA);
  await popup.waitForEvent("close", { timeout: 30_000 });
  await expect(frame.getByRole("link", { name: /Open in Stepwise/ })).toBeVisible();
  await expect(frame.getByRole("heading", { name: "Sign in to see this view" })).toHaveCount(0);
  await context.close();
});

test("a shared run URL unfurls through oEmbed into a card that frames the run", async ({ page }) => {
  const { publicId } = await startRun(page, "size-recommendation-training");
  await page.goto(`/runs/${publicId}`);
  const discovery = await page.locator('link[type="application/json+oembed"]').getAttribute("href");
  expect(discovery).toBe(`/api/oembed?url=${encodeURIComponent(`/runs/${publicId}`)}`);

  const answer = await page.request.get(
    `/api/oembed?url=${encodeURIComponent(`${baseURL}/runs/${publicId}`)}&maxwidth=640`,
  );
  expect(answer.status()).toBe(200);
  expect(answer.headers()["content-type"]).toContain("application/json");
  const body = (await answer.json()) as Record<string, unknown>;
  // oEmbed 1.0, type "rich": version, type, html, width and height are required.
  expect(body).toMatchObject({ version: "1.0", type: "rich", provider_name: "Stepwise", width: 640 });
  expect(typeof body.height).toBe("number");
  expect(String(body.title)).toContain("size-recommendation-training");
  expect(body.html).toBe(
    `<iframe src="${baseURL}/embed/runs/${publicId}" width="640" height="600" title="${String(body.title)}" style="border:0" loading="lazy"></iframe>`,
  );

  const refused = await Promise.all([
    page.request.get(`/api/oembed?url=${encodeURIComponent("https://evil.example/runs/x")}`),
    page.request.get(`/api/oembed?url=${encodeURIComponent(`${baseURL}/runs/${publicId}`)}&format=xml`),
    page.request.get(`/api/oembed?url=${encodeURIComponent(`${baseURL}/runs/nope`)}`),
    page.request.get("/api/oembed"),
  ]);
  expect(refused.map((r) => r.status())).toEqual([400, 501, 404, 400]);
});
