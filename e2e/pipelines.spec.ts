/**
 * Pipelines, the pipeline page, the metric-evolution graph and run comparison, against the app as
 * `npm start` runs it: the demo AWS emulator back-fills runs and the sync brings them in, so the demo
 * pipelines appear on their own. Specs log in through the real OIDC flow (setup project).
 */
import { expect, type Frame, type Page, type Response, test } from "@playwright/test";
import { formatValue } from "../lib/format";
import type { MetricSeries, PipelinePage, RunPage } from "../lib/pipelines/schema";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { seedMetricPipeline } from "./support/seed";

const DEMO = ["size-recommendation-training", "demand-forecast-per-market", "return-probability", "search-ranking-ltr"];
const SCREENS = "test-results/screens";

/** Waits until the sync has brought in the demo pipelines with enough finished runs to draw. */
async function demoPipelines(page: Page): Promise<PipelinePage["pipelines"]> {
  let pipelines: PipelinePage["pipelines"] = [];
  await expect(async () => {
    const response = await page.request.get("/api/v1/pipelines?limit=200");
    expect(response.status()).toBe(200);
    pipelines = ((await response.json()) as PipelinePage).pipelines;
    const demo = pipelines.filter((p) => DEMO.includes(p.name));
    expect(demo.map((p) => p.name).sort()).toEqual([...DEMO].sort());
    for (const p of demo) expect(p.sparkline.length).toBeGreaterThanOrEqual(10);
  }).toPass({ timeout: 240_000, intervals: [2_000, 5_000] });
  return pipelines;
}

async function pipelineId(page: Page, name: string): Promise<number> {
  const pipelines = await demoPipelines(page);
  const found = pipelines.find((p) => p.name === name);
  if (!found) throw new Error(`no pipeline ${name}`);
  return found.id;
}

const isSeries = (response: Response) =>
  /\/api\/v1\/pipelines\/\d+\/metrics\?/.test(response.url()) && response.request().method() === "GET";

test.describe("pipelines", () => {
  test.describe.configure({ timeout: 300_000 });

  for (const colorScheme of ["light", "dark"] as const) {
    test(`index lists the demo pipelines with status, success rate and sparkline (${colorScheme})`, async ({
      page,
    }) => {
      await demoPipelines(page);
      await page.emulateMedia({ colorScheme });
      await page.goto("/pipelines");
      const table = page.getByTestId("pipelines-table");
      for (const name of DEMO) await expect(table.getByRole("link", { name, exact: true })).toBeVisible();
      const row = table.locator("tr", { has: page.getByRole("link", { name: "return-probability", exact: true }) });
      await expect(row.getByText(/^\d+%$/)).toBeVisible();
      await expect(row.getByRole("img", { name: /validation:pr_auc: last \d+ runs/ })).toBeVisible();
      await expect(row.getByText("returns", { exact: true })).toBeVisible();
      await expectNoSeriousA11yViolations(page);
      await page.screenshot({ path: `${SCREENS}/pipelines-index-${colorScheme}.png`, fullPage: true });
    });
  }

  test("index filters by text, team and tag, and pages", async ({ page }) => {
    await demoPipelines(page);
    await page.goto("/pipelines");
    await page.getByRole("searchbox", { name: "Search" }).fill("forecast");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/q=forecast/);
    const table = page.getByTestId("pipelines-table");
    await expect(table.locator("tbody tr")).toHaveCount(1);
    await expect(table.getByRole("link", { name: "demand-forecast-per-market" })).toBeVisible();

    await page.getByRole("link", { name: "Clear" }).click();
    await expect(page).toHaveURL(/\/pipelines$/);
    await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("");
    await page.getByLabel("Team", { exact: true }).selectOption("search-relevance");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(table.locator("tbody tr")).toHaveCount(1);
    await expect(table.getByRole("link", { name: "search-ranking-ltr" })).toBeVisible();

    await page.goto("/pipelines?tag=team%3Dreturns");
    await expect(table.locator("tbody tr")).toHaveCount(1);
    await expect(table.getByRole("link", { name: "return-probability" })).toBeVisible();

    await page.goto("/pipelines?sort=name&limit=2");
    const names = async () => table.locator("tbody tr td:first-child a").allTextContents();
    const first = await names();
    expect(first).toHaveLength(2);
    await page.getByRole("link", { name: "Next →" }).click();
    await expect(page).toHaveURL(/cursor=/);
    const second = await names();
    expect(second).toHaveLength(2);
    expect(second.some((n) => first.includes(n))).toBe(false);
    expect([...first, ...second]).toEqual([...first, ...second].sort((a, b) => a.localeCompare(b)));
    await page.getByRole("link", { name: "← Previous" }).click();
    await expect.poll(names).toEqual(first);
  });

  test("pipeline page filters and pages its runs on the server", async ({ page }) => {
    const id = await pipelineId(page, "size-recommendation-training");
    await page.goto(`/pipelines/${id}?limit=5`);
    await expect(page.getByRole("heading", { level: 1, name: "size-recommendation-training" })).toBeVisible();
    const runs = page.getByTestId("runs-table");
    await expect(runs.locator("tbody tr")).toHaveCount(5);
    const firstPage = await runs.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")));
    await page.getByRole("link", { name: "Next →" }).click();
    await expect(page).toHaveURL(/cursor=/);
    // Waits for the second page itself: the demo keeps starting runs, and a live refresh of the first page (a new
    // run on top) also changes its rows — that is not the second page. The cursor's page is older than every run
    // of the first page, so it shares none of them.
    const shown = () => runs.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")));
    await expect
      .poll(async () => {
        const rows = await shown();
        return rows.length > 0 && !rows.some((r) => firstPage.includes(r));
      })
      .toBe(true);

    await page.getByLabel("Status").selectOption("SUCCEEDED");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/status=SUCCEEDED/);
    await expect(page).not.toHaveURL(/cursor=/);
    await expect(runs.locator("tbody tr").first()).toBeVisible();
    for (const badge of await runs.locator('tbody [data-status-badge="run"]').all()) {
      await expect(badge).toHaveAttribute("data-status", "SUCCEEDED");
    }
    // The table's metric columns show the run-level metrics the API serves.
    const api = (await (
      await page.request.get(`/api/v1/pipelines/${id}/runs?status=SUCCEEDED&limit=5`)
    ).json()) as RunPage;
    const top = api.runs[0];
    const metric = api.metricColumns[0];
    if (!top || !metric) throw new Error("no runs");
    await expect(runs.locator(`tr[data-run="${top.publicId}"] td[data-metric="${metric}"]`)).toHaveText(
      formatValue(top.metrics[metric]),
    );
  });

  test("graph: chosen metrics across runs, tooltip matches the API, click opens the run", async ({ page }) => {
    const id = await pipelineId(page, "return-probability");
    const firstSeries = page.waitForResponse(isSeries);
    await page.goto(`/pipelines/${id}`);
    await firstSeries;
    const graph = page.getByTestId("metric-evolution");
    await expect(graph.locator("[data-series]")).toHaveCount(1);

    const twoSeries = page.waitForResponse((r) => isSeries(r) && r.url().includes("validation%3Aroc_auc"));
    await graph.getByLabel("validation:roc_auc").check();
    const response = await twoSeries;
    const data = (await response.json()) as MetricSeries;
    await expect(graph.locator("[data-series]")).toHaveCount(2);
    await expect(page).toHaveURL(/m=validation%3Apr_auc%2Cvalidation%3Aroc_auc/);
    expect(data.series.map((s) => s.name)).toEqual(["validation:pr_auc", "validation:roc_auc"]);
    expect(data.series[0]?.count).toBeGreaterThanOrEqual(10);

    // Hover the middle point of the first series: the tooltip names that run and shows its values.
    const overlay = page.getByTestId("metric-graph-overlay");
    // The mouse hovers what is on screen: the graph may start below the fold (saved views sit above it).
    await overlay.scrollIntoViewIfNeeded();
    const box = await overlay.boundingBox();
    if (!box) throw new Error("no overlay");
    const s0 = data.series[0];
    if (!s0 || !data.domain) throw new Error("empty series");
    const mid = Math.floor(s0.x.length / 2);
    const [d0, d1] = data.domain;
    const xPx = (((s0.x[mid] as number) - d0) / (d1 - d0)) * box.width;
    await page.mouse.move(box.x + xPx, box.y + 80);
    const tooltip = page.getByTestId("metric-tooltip");
    await expect(tooltip).toBeVisible();
    const publicId = await tooltip.getAttribute("data-run");
    const runIndex = data.runs.publicId.indexOf(publicId ?? "");
    expect(runIndex).toBeGreaterThanOrEqual(0);
    for (const s of data.series) {
      const i = s.run.indexOf(runIndex);
      if (i < 0) continue;
      await expect(tooltip.locator(`tr[data-metric="${s.name}"] [data-testid="tooltip-value"]`)).toHaveText(
        formatValue(s.y[i]),
      );
    }
    await expect(tooltip.getByText(data.runs.name[runIndex] ?? "?", { exact: true })).toBeVisible();
    await page.screenshot({ path: `${SCREENS}/pipelines-graph-tooltip.png`, fullPage: false });

    await page.mouse.click(box.x + xPx, box.y + 80);
    await page.waitForURL(new RegExp(`/runs/${publicId}`));
  });

  test("graph: regressions are one path of markers, and hovering a regressed run names its baseline", async ({
    page,
  }) => {
    // A quiet pipeline of its own (a disabled source, fixed instants): eleven runs at 0.80, then one at 0.70.
    const values = Array.from({ length: 12 }, (_, i) => ({ "validation:auc": i === 11 ? 0.7 : 0.8 }));
    const id = await seedMetricPipeline("regression-marks", Date.UTC(2025, 4, 6, 8), values);
    const series = page.waitForResponse(isSeries);
    await page.goto(`/pipelines/${id}?m=validation:auc`);
    const data = (await (await series).json()) as MetricSeries;
    const s0 = data.series[0];
    if (!s0 || !data.domain) throw new Error("empty series");
    expect(s0.regressions.run.map((r) => data.runs.name[r])).toEqual(["r11"]);
    const marks = page.getByTestId("regression-marks");
    await expect(marks).toHaveAttribute("data-count", "1");
    await expect(page.getByTestId("metric-evolution").getByRole("img")).toHaveAttribute("aria-label", /1 regression;/);

    const overlay = page.getByTestId("metric-graph-overlay");
    await overlay.scrollIntoViewIfNeeded();
    const box = await overlay.boundingBox();
    if (!box) throw new Error("no overlay");
    const [d0, d1] = data.domain;
    const at = (i: number) => box.x + (((s0.x[i] as number) - d0) / (d1 - d0)) * box.width;
    const tooltip = page.getByTestId("metric-tooltip");
    // The regressed run (the last point): its row says so, with the baseline it fell behind, in words and a glyph.
    await page.mouse.move(at(s0.x.length - 1) - 1, box.y + 40);
    await expect(tooltip).toHaveAttribute("data-run", data.runs.publicId[s0.regressions.run[0] as number] ?? "?");
    await expect(tooltip.getByTestId("tooltip-regression")).toHaveText(
      `▼ Regression: baseline ${formatValue(s0.regressions.baseline[0])}`,
    );
    await page.screenshot({ path: `${SCREENS}/pipelines-graph-regression-tooltip.png`, fullPage: false });
    // A run before it did not regress: no such row.
    await page.mouse.move(at(s0.x.length - 4), box.y + 40);
    await expect(tooltip).toHaveAttribute("data-run", data.runs.publicId[s0.run[s0.x.length - 4] as number] ?? "?");
    await expect(tooltip.getByTestId("tooltip-regression")).toHaveCount(0);
  });

  test("graph: zoom with the brush survives a reload through the URL", async ({ page }) => {
    const id = await pipelineId(page, "size-recommendation-training");
    await page.goto(`/pipelines/${id}?x=number`);
    const overview = page.getByTestId("metric-overview");
    await expect(overview).toBeVisible();
    await overview.scrollIntoViewIfNeeded();
    const box = await overview.boundingBox();
    if (!box) throw new Error("no overview");
    const zoomed = page.waitForResponse((r) => isSeries(r) && /[?&]from=/.test(r.url()) && /[?&]to=/.test(r.url()), {
      timeout: 30_000,
    });
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    const data = (await (await zoomed).json()) as MetricSeries;
    await expect(page).toHaveURL(/gfrom=\d+&gto=\d+/);
    const url = new URL(page.url());
    const from = Number(url.searchParams.get("gfrom"));
    const to = Number(url.searchParams.get("gto"));
    expect(data.domain).toEqual([from, to]);
    expect(to - from).toBeGreaterThan(0);
    await expect(page.getByRole("button", { name: "Reset zoom" })).toBeVisible();

    // Only the reloaded document's request counts: the old page can still have one in flight (a live refetch of the
    // zoomed range), whose body is gone once the reload navigates away.
    let reloadedDocument = false;
    const onNavigated = (frame: Frame) => {
      if (frame === page.mainFrame()) reloadedDocument = true;
    };
    page.on("framenavigated", onNavigated);
    const again = page.waitForResponse(
      (r) => reloadedDocument && isSeries(r) && r.url().includes(`from=${from}`) && r.url().includes(`to=${to}`),
    );
    await page.reload();
    page.off("framenavigated", onNavigated);
    const reloaded = (await (await again).json()) as MetricSeries;
    expect(reloaded.domain).toEqual([from, to]);
    expect(reloaded.series[0]?.x.every((x) => x >= from && x <= to)).toBe(true);
    await expect(page.getByRole("button", { name: "Reset zoom" })).toBeVisible();
    await expect(page.getByRole("radio", { name: "Run number" })).toBeChecked();
    await page.screenshot({ path: `${SCREENS}/pipelines-graph-zoomed.png`, fullPage: false });

    await page.getByRole("button", { name: "Reset zoom" }).click();
    await expect(page).not.toHaveURL(/gfrom=/);
  });

  for (const colorScheme of ["light", "dark"] as const) {
    test(`pipeline page reads well and passes axe (${colorScheme})`, async ({ page }) => {
      const id = await pipelineId(page, "demand-forecast-per-market");
      await page.emulateMedia({ colorScheme });
      const series = page.waitForResponse(isSeries);
      await page.goto(`/pipelines/${id}?m=validation%3Awape%2Cvalidation%3Amape%2Cvalidation%3Abias`);
      await series;
      await expect(page.getByTestId("metric-evolution").locator("[data-series]")).toHaveCount(3);
      await expect(page.getByTestId("training-curves").locator("svg path").first()).toBeVisible();
      await expectNoSeriousA11yViolations(page);
      await page.screenshot({ path: `${SCREENS}/pipelines-page-${colorScheme}.png`, fullPage: true });
      await page.getByTestId("metric-evolution").screenshot({ path: `${SCREENS}/pipelines-graph-${colorScheme}.png` });
      await page.getByTestId("training-curves").screenshot({ path: `${SCREENS}/pipelines-curves-${colorScheme}.png` });
    });
  }

  test("prints the graph legibly", async ({ page }) => {
    const id = await pipelineId(page, "search-ranking-ltr");
    const series = page.waitForResponse(isSeries);
    await page.goto(`/pipelines/${id}`);
    await series;
    await expect(page.getByTestId("metric-evolution").locator("[data-series]")).toHaveCount(1);
    await page.emulateMedia({ media: "print" });
    await expect(page.getByTestId("metric-overview")).toBeHidden();
    await page.screenshot({ path: `${SCREENS}/pipelines-print.png`, fullPage: true });
  });

  test("compare shows side-by-side metrics with the right deltas", async ({ page }) => {
    const id = await pipelineId(page, "size-recommendation-training");
    const api = (await (
      await page.request.get(`/api/v1/pipelines/${id}/runs?status=SUCCEEDED&limit=10`)
    ).json()) as RunPage;
    const metric = api.metricColumns[0];
    // A run that has just succeeded may not have its final metrics synced yet: compare two that have.
    const [a, b] = api.runs.filter((r) => metric !== undefined && r.metrics[metric] !== undefined);
    if (!a || !b || !metric) throw new Error("need two succeeded runs with metrics");
    await page.goto(`/pipelines/${id}?status=SUCCEEDED&limit=10`);
    await page.getByRole("checkbox", { name: `Compare ${a.name}` }).check();
    await page.getByRole("checkbox", { name: `Compare ${b.name}` }).check();
    await expect(page).toHaveURL(new RegExp(`sel=${a.publicId}%2C${b.publicId}|sel=${a.publicId},${b.publicId}`));
    await page.getByRole("link", { name: "Compare 2 runs →" }).click();
    await page.waitForURL(new RegExp(`/pipelines/${id}/compare\\?runs=${a.publicId}(%2C|,)${b.publicId}`));
    await expect(page.getByRole("heading", { name: "Compare runs" })).toBeVisible();

    const metrics = page.getByTestId("compare-final-metrics");
    const row = metrics.locator(`tr[data-key="${metric}"]`);
    const va = a.metrics[metric] as number;
    const vb = b.metrics[metric] as number;
    await expect(row.locator(`td[data-run="${a.publicId}"]`)).toHaveText(formatValue(va));
    const delta = vb - va;
    const sign = delta > 0 ? "+" : delta < 0 ? "−" : "±";
    await expect(row.locator(`td[data-run="${b.publicId}"] [data-testid="delta"]`)).toContainText(
      `${sign}${formatValue(Math.abs(delta))}`,
    );
    await expect(page.getByTestId("compare-step-timings")).toBeVisible();
    await expect(page.getByTestId("compare-hyperparameters")).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await page.screenshot({ path: `${SCREENS}/pipelines-compare.png`, fullPage: true });
  });

  test("API: bad parameters are 400, unknown pipelines 404", async ({ page }) => {
    const id = await pipelineId(page, "return-probability");
    expect((await page.request.get(`/api/v1/pipelines/${id}/metrics?names=a&width=0`)).status()).toBe(400);
    expect((await page.request.get(`/api/v1/pipelines/${id}/runs?status=NOPE`)).status()).toBe(400);
    expect((await page.request.get(`/api/v1/pipelines/${id}/runs?cursor=abc`)).status()).toBe(400);
    expect((await page.request.get("/api/v1/pipelines/999999/runs")).status()).toBe(404);
    expect((await page.request.get("/api/v1/pipelines/999999/metrics?names=a")).status()).toBe(404);
  });

  test("API: the OpenAPI document lists the pipelines operations", async ({ page }) => {
    const doc = (await (await page.request.get("/api/v1/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/pipelines",
        "/api/v1/pipelines/{pipelineId}/runs",
        "/api/v1/pipelines/{pipelineId}/metrics",
      ]),
    );
  });
});
