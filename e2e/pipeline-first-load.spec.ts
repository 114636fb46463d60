/**
 * What a pipeline page's first load asks of the server. The graph's two series requests (the plot and the
 * overview) are preloaded by the page's HTML at the width the graph last measured (a cookie), so they are
 * computed while the browser loads the page's JavaScript; the graph's own fetches are answered by those
 * preloads; and the page states the live_event id its render is as of, so opening its live stream fetches
 * neither the runs nor the series again. The spec seeds its own quiet pipeline (a disabled source, fixed
 * instants): no sync or demo run can change it while the requests are counted.
 */
import { expect, type Page, type Request, test } from "@playwright/test";
import { liveIndicator, requestsSeen } from "./support/page-probes";
import { seedMetricPipeline, withDb } from "./support/seed";

const T0 = Date.UTC(2025, 2, 3, 6);
const WIDTH_COOKIE = "stepwise-graph-width";

/** Eight runs an hour apart with two metrics each. */
const seedQuietPipeline = () =>
  seedMetricPipeline(
    "first-load",
    T0,
    Array.from({ length: 8 }, (_, i) => ({ "validation:auc": 0.8 + i / 100, "validation:loss": 0.4 - i / 100 })),
  );

/** The preloads a page's HTML names, as the paths the browser requests. */
function preloads(html: string): string[] {
  const links = html.match(/<link[^>]*rel="preload"[^>]*>/g) ?? [];
  return links
    .filter((link) => link.includes('as="fetch"'))
    .map((link) => (link.match(/href="([^"]+)"/)?.[1] ?? "").replaceAll("&amp;", "&"));
}

/** Every request of the page to its pipeline's metrics and runs endpoints, as path + query. */
function track(page: Page, pipelineId: number) {
  const seen = { metrics: [] as string[], runs: [] as string[] };
  page.on("request", (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname === `/api/v1/pipelines/${pipelineId}/metrics`) seen.metrics.push(url.pathname + url.search);
    if (url.pathname === `/api/v1/pipelines/${pipelineId}/runs`) seen.runs.push(url.pathname + url.search);
  });
  return seen;
}

async function graphDrawn(page: Page): Promise<void> {
  await expect(page.locator("[data-series]")).toHaveCount(2);
  await expect(page.getByTestId("metric-graph-overlay")).toBeVisible();
  // The stream is open and "ready": whatever it would refetch has been asked for.
  await expect(liveIndicator(page)).toHaveAttribute("data-status", "live");
  await requestsSeen(page);
}

test("the pipeline page preloads the graph's series at the width it last measured, and fetches nothing twice", async ({
  page,
  context,
}) => {
  const pipelineId = await seedQuietPipeline();
  // The feed is not empty whatever ran before (a fresh server's may be): the render then has an id to state.
  await withDb((db) =>
    db.query("INSERT INTO live_event (topic, kind, entity_id, version) VALUES ('run:first-load', 'run', 'x', 1)"),
  );
  const url = `/pipelines/${pipelineId}?m=validation:auc,validation:loss`;

  // First visit: no width known, no preload; the graph measures itself and remembers its width.
  const first = await page.goto(url);
  expect(preloads((await first?.text()) ?? "")).toEqual([]);
  await graphDrawn(page);
  const cookie = (await context.cookies()).find((c) => c.name === WIDTH_COOKIE);
  expect(cookie?.value).toMatch(/^\d+$/);

  // Next visit: the HTML names both requests; the graph's fetches are answered by those preloads (one request
  // each), and the stream's opening refetches neither the series nor the runs (the page stated its live id).
  const seen = track(page, pipelineId);
  const again = await page.goto(url);
  const named = preloads((await again?.text()) ?? "");
  expect(named).toHaveLength(2);
  for (const href of named) expect(href).toMatch(new RegExp(`^/api/v1/pipelines/${pipelineId}/metrics\\?`));
  await graphDrawn(page);
  expect([...seen.metrics].sort()).toEqual([...named].sort());
  expect(seen.runs).toEqual([]);
});

test("a width cookie the graph could not have written is ignored: no preload, the page still draws", async ({
  page,
  context,
  baseURL,
}) => {
  const pipelineId = await seedQuietPipeline();
  for (const value of ["<script>", "99999999", "-400", "410", "1e3"]) {
    // Leave the page first: a graph still mounted would write its measured width over the cookie.
    await page.goto("about:blank");
    await context.addCookies([{ name: WIDTH_COOKIE, value, url: baseURL ?? "" }]);
    const response = await page.goto(`/pipelines/${pipelineId}`);
    expect(response?.status(), value).toBe(200);
    expect(preloads((await response?.text()) ?? ""), value).toEqual([]);
  }
  await expect(page.locator("[data-series]")).toHaveCount(1);
});

/**
 * The pages users open most ship no zod to the browser: it is the server's validator (and the OpenAPI document's),
 * ~115 KB of script the browser would parse and run before the page is interactive. Client code takes its
 * constants from zod-free modules (lib/pipelines/constants.ts, lib/views/keys.ts, lib/runs/view-state.ts, …).
 */
test("the pipelines index, a pipeline page and a run page load no zod in the browser", async ({ page }) => {
  const pipelineId = await seedQuietPipeline();
  const runId = await withDb(
    async (db) =>
      (await db.one<{ public_id: string }>("SELECT public_id FROM run WHERE pipeline_id = $1 LIMIT 1", [pipelineId]))
        .public_id,
  );
  for (const [path, drawn] of [
    ["/pipelines", page.getByRole("table")],
    [`/pipelines/${pipelineId}`, page.locator("[data-series]")],
    [`/runs/${runId}`, page.getByTestId("timeline")],
  ] as const) {
    await page.goto(path);
    await expect(drawn.first()).toBeVisible();
    await requestsSeen(page);
    // Every script the page loaded, from the network or the cache, read again by URL.
    const urls = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((e) => e.name)
        .filter((name) => /\/_next\/static\/.+\.js(\?|$)/.test(name)),
    );
    expect(urls.length, path).toBeGreaterThan(3);
    const withZod: string[] = [];
    for (const url of new Set(urls)) {
      const response = await page.request.get(url);
      expect(response.status(), url).toBe(200);
      if ((await response.text()).includes("ZodError")) withZod.push(new URL(url).pathname);
    }
    expect(withZod, path).toEqual([]);
  }
});
