/**
 * Alerts against the app as `npm start` runs it (issue 18, "Done when"): a rule with a generic webhook to a
 * local receiver; the demo emulator is made to fail a run and to regress a metric; the receiver gets exactly
 * one signed POST for each, with the run URL and the top changes, while the sync and the delivery worker do
 * their ordinary work. The bell shows the in-app alert. (Restart and two-worker exactly-once: lib/alerts/
 * alerts.test.ts, with real graphile-worker runners.)
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/a11y";

const EMULATOR = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 2000}`;
const PIPELINE = "size-recommendation-training";

test.describe.configure({ mode: "serial" });
test.setTimeout(240_000);

type Received = { headers: IncomingHttpHeaders; body: string };
const received: Received[] = [];
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => {
    body += c.toString("utf8");
  });
  req.on("end", () => {
    received.push({ headers: req.headers, body });
    res.writeHead(204);
    res.end();
  });
});
let hookUrl = "";

async function admin(request: APIRequestContext, path: string, body: Record<string, unknown> = {}) {
  const response = await request.post(`${EMULATOR}/__admin${path}`, { data: body });
  expect(response.status(), await response.text()).toBe(200);
}

/**
 * Starts a run of the demo pipeline through the emulator (so its demo plan applies, e.g. a forced regression)
 * and waits until the sync has stored it; returns its ARN and public id.
 */
async function startRun(page: Page): Promise<{ arn: string; publicId: string }> {
  const response = await page.request.post(`${EMULATOR}/__admin/runs`, { data: { pipeline: PIPELINE } });
  expect(response.status(), await response.text()).toBe(200);
  const arn = ((await response.json()) as { executionArns: string[] }).executionArns[0] ?? "";
  let publicId = "";
  await expect
    .poll(
      async () => {
        const run = await page.request.get(`/api/v1/runs/${encodeURIComponent(arn)}`);
        if (run.status() === 200) publicId = ((await run.json()) as { publicId: string }).publicId;
        return run.status();
      },
      { timeout: 90_000, intervals: [500] },
    )
    .toBe(200);
  return { arn, publicId };
}

async function advanceUntilDone(request: APIRequestContext, arn: string, fail?: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const status = (
          (await (await request.get(`${EMULATOR}/__admin/executions/${encodeURIComponent(arn)}`)).json()) as {
            status: string;
          }
        ).status;
        if (status !== "RUNNING") return status;
        await request.post(`${EMULATOR}/__admin/executions/${encodeURIComponent(arn)}/advance`, {
          data: fail ? { outcome: "fail", reason: fail } : {},
        });
        return status;
      },
      { timeout: 120_000, intervals: [150] },
    )
    .not.toBe("RUNNING");
}

const forRun = (publicId: string, kind: string) =>
  received.filter((r) => {
    const body = JSON.parse(r.body) as { run?: { publicId: string }; rule?: { kind: string } };
    return body.run?.publicId === publicId && body.rule?.kind === kind;
  });

let secret = "";
let channelId = 0;
let pipelineId = 0;

test.beforeAll(async ({ request }) => {
  hookUrl = await new Promise<string>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`)),
  );
  await admin(request, "/config", { taskMode: "manual", timeScale: 5000 });
});

test.afterAll(async ({ browser, request }) => {
  await admin(request, "/config", { taskMode: "auto", timeScale: 20 });
  // The receiver goes away with this file: so do the channel and the rules that post to it.
  const page = await browser.newPage();
  const { rules } = (await (await page.request.get(`/api/v1/alerts/rules?pipelineId=${pipelineId}`)).json()) as {
    rules: { id: number; name: string }[];
  };
  for (const rule of rules.filter((r) => r.name.startsWith("e2e ")))
    await page.request.delete(`/api/v1/alerts/rules/${rule.id}`);
  if (channelId) await page.request.delete(`/api/v1/alerts/channels/${channelId}`);
  await page.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test("a team member sets up a signed webhook and rules; outsiders and read-only tokens cannot", async ({ page }) => {
  const pipelines = (await (await page.request.get("/api/v1/pipelines?limit=50")).json()) as {
    pipelines: { id: number; name: string }[];
  };
  pipelineId = pipelines.pipelines.find((p) => p.name === PIPELINE)?.id ?? 0;
  expect(pipelineId).toBeGreaterThan(0);
  // The embedded default: in-app rules for every demo team, out of the box.
  const defaults = (await (await page.request.get("/api/v1/alerts/rules")).json()) as {
    rules: { name: string; team: string | null; inApp: boolean }[];
  };
  expect(defaults.rules.filter((r) => r.team === null && r.inApp).map((r) => r.name)).toEqual(
    expect.arrayContaining(["Failed runs (demo default)", "Metric regressions (demo default)"]),
  );
  const created = await page.request.post("/api/v1/alerts/channels", {
    data: { name: "e2e receiver", kind: "webhook", team: "fit-and-size", target: hookUrl },
  });
  expect(created.status(), await created.text()).toBe(200);
  const channel = (await created.json()) as { channel: { id: number; label: string }; secret: string };
  secret = channel.secret;
  channelId = channel.channel.id;
  expect(secret).toMatch(/^whsec_/);
  expect(channel.channel.label).toBe(new URL(hookUrl).origin);
  // Never shown again.
  const list = await (await page.request.get("/api/v1/alerts/channels?team=fit-and-size")).text();
  expect(list).not.toContain(secret);
  expect(list).not.toContain("/hook");
  for (const rule of [
    { name: "e2e failed runs", kind: "run_failed" },
    { name: "e2e regressions", kind: "metric_regression" },
  ])
    expect(
      (
        await page.request.post("/api/v1/alerts/rules", {
          data: { ...rule, pipelineId, channelIds: [channelId] },
        })
      ).status(),
    ).toBe(200);
});

test("a failed run and a regressed run: exactly one signed POST each, with the run URL and the top changes", async ({
  page,
  request,
}) => {
  const failing = await startRun(page);
  await advanceUntilDone(request, failing.arn, "e2e: forced failure");
  await expect.poll(() => forRun(failing.publicId, "run_failed").length, { timeout: 30_000 }).toBe(1);

  await admin(request, "/regress", { pipeline: PIPELINE });
  const regressing = await startRun(page);
  await advanceUntilDone(request, regressing.arn);
  await expect.poll(() => forRun(regressing.publicId, "metric_regression").length, { timeout: 30_000 }).toBe(1);

  for (const [publicId, kind] of [
    [failing.publicId, "run_failed"],
    [regressing.publicId, "metric_regression"],
  ] as const) {
    const [post] = forRun(publicId, kind);
    if (!post) throw new Error("no post");
    expect(post.headers["x-stepwise-signature"]).toBe(
      `sha256=${createHmac("sha256", secret).update(post.body).digest("hex")}`,
    );
    const body = JSON.parse(post.body) as {
      run: { url: string; status: string };
      changes: string[];
      metric: { name: string; value: number; baseline: number; changePercent: number; thresholdPercent: number } | null;
      baseline: { url: string } | null;
    };
    expect(body.run.url).toMatch(new RegExp(`/runs/${publicId}$`));
    expect(body.baseline?.url).toMatch(/\/runs\/[A-Za-z0-9]+$/);
    if (kind === "run_failed") expect(body.run.status).toBe("FAILED");
    else {
      // The worst regressed metric, worse than its trailing baseline beyond the threshold (either direction).
      expect(Math.abs(body.metric?.changePercent ?? 0)).toBeGreaterThan(body.metric?.thresholdPercent ?? 100);
      expect(body.changes.length).toBeGreaterThan(0);
    }
  }
  // The delivery log says one attempt each; the sync seeing the runs again sent nothing more.
  const log = (await (await page.request.get(`/api/v1/alerts/channels/${channelId}/deliveries`)).json()) as {
    deliveries: { status: string; attempts: number; lastStatus: number }[];
  };
  expect(log.deliveries.filter((d) => d.status === "sent").length).toBe(received.length);
  expect(log.deliveries.every((d) => d.attempts === 1 && d.lastStatus === 204)).toBe(true);
  expect(forRun(failing.publicId, "run_failed")).toHaveLength(1);
  expect(forRun(regressing.publicId, "metric_regression")).toHaveLength(1);
});

test("the bell shows the alerts of watched pipelines, live, and opens the run", async ({ page }) => {
  expect((await page.request.put(`/api/v1/pipelines/${pipelineId}/watch`, { data: { watching: true } })).status()).toBe(
    200,
  );
  await page.goto("/pipelines");
  const bell = page.getByTestId("inbox");
  await expect(bell.locator("summary")).toHaveAttribute("aria-label", /^Notifications, \d+ unread$/);
  const unread = async () =>
    Number(/(\d+) unread/.exec((await bell.locator("summary").getAttribute("aria-label")) ?? "")?.[1]);
  await expect.poll(unread).not.toBeNaN();
  const before = await unread();
  // A new failure while the page is open: the count grows without a reload.
  const failing = await startRun(page);
  await advanceUntilDone(page.request, failing.arn, "e2e: failure while watching");
  await expect.poll(unread, { timeout: 30_000 }).toBeGreaterThan(before);
  await expect(bell.getByTestId("inbox-count")).toBeVisible();
  await bell.locator("summary").click();
  // The new failure's own item: the watched pipeline has other alerts (the regressions and failures of earlier
  // tests, which the sync may announce after this one), so the newest item need not be this run's.
  const item = bell
    .getByTestId("inbox-item")
    .filter({ has: page.locator(`a[href="/runs/${failing.publicId}"]`) })
    .first();
  await expect(item).toContainText(`${PIPELINE}: run`);
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: "test-results/screens/inbox.png" });
  await item.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/runs/${failing.publicId}`));
});
