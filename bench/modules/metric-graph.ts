/**
 * The metric-evolution graph in Chromium: first render of 10k runs × 3 metrics (the newest 10k runs of
 * the largest pipeline, by run number) from the moment the series JSON is parsed to the plot's commit
 * (performance marks in components/pipeline/hooks.ts and components/charts/evolution-plot.tsx), and the
 * cost of a hover (lookup + the hover layer's render; the plot does not re-render), over many pointer
 * positions. BRIEF.md: first render ≤ 100 ms, hover ≤ 16 ms.
 *
 * What a user waits for: the pipeline page of the cost-curve pipelines (1/10 and all of the largest one's runs:
 * 10k and 100k at full scale) loaded afresh, from navigation start to the graph of 3 metrics painted: the page's
 * own mark, taken in a task posted from the first animation frame after the plot's commit (the hover overlay is in
 * that commit), so the harness's polling is not counted; what the harness saw is in the notes. BRIEF.md: ≤ 300 ms
 * at 100k runs. Beside it, the browser's floor here: navigation → first paint of a static page.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type BrowserContext, chromium } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "@/lib/chromium";
import { signedInContext } from "../lib/app";
import { sample, summarise } from "../lib/stats";
import type { BenchModule, Measurement } from "../lib/types";
import { METRIC_NAMES, seededScale } from "../seed";

export const metricGraph: BenchModule = {
  name: "metric-graph",
  async run(ctx) {
    const seeded = await seededScale(ctx.pool);
    if (!seeded) return [];
    const pipelineId = seeded.info.largestPipelineId;
    const { rows } = await ctx.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM run WHERE pipeline_id = $1", [
      pipelineId,
    ]);
    const runs = rows[0]?.n ?? 0;
    const from = Math.max(1, runs - 9_999);
    const app = await ctx.app();
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: [...CHROMIUM_ARGS],
    });
    try {
      const context = await signedInContext(browser, app, { viewport: { width: 1440, height: 1000 } });
      const page = await context.newPage();
      const url = `${app.baseUrl}/pipelines/${pipelineId}?m=${METRIC_NAMES.join(",")}&x=number&gfrom=${from}&gto=${runs}`;
      const probe = await page.goto(url);
      if (probe?.status() !== 200) {
        ctx.log(`  metric-graph: ${url} answered ${probe?.status()}, skipped`);
        return [];
      }
      const renderOnce = async () => {
        await page.goto(url);
        await page
          .locator("[data-series]")
          .nth(METRIC_NAMES.length - 1)
          .waitFor();
        return page.evaluate(() => {
          const data = performance.getEntriesByName("stepwise:metric-graph:data").at(-1);
          const rendered = performance.getEntriesByName("stepwise:metric-graph:rendered").at(-1);
          return data && rendered ? rendered.startTime - data.startTime : Number.NaN;
        });
      };
      const iterations = ctx.scale === "quick" ? 5 : 15;
      const renders: number[] = [];
      await sample(
        async () => {
          renders.push(await renderOnce());
        },
        iterations,
        1,
      );
      const render = summarise(renders.slice(-iterations).filter(Number.isFinite));

      const box = await page.getByTestId("metric-graph-overlay").boundingBox();
      const hovers: number[] = [];
      if (box) {
        await page.evaluate(() => performance.clearMeasures("stepwise:metric-graph:hover"));
        for (let i = 0; i < 120; i++) {
          await page.mouse.move(box.x + ((i * 37) % box.width), box.y + 40 + ((i * 53) % Math.max(1, box.height - 80)));
          await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
        }
        hovers.push(
          ...(await page.evaluate(() =>
            performance.getEntriesByName("stepwise:metric-graph:hover").map((entry) => entry.duration),
          )),
        );
      }
      const hover = summarise(hovers);

      const waits: Measurement[] = [];
      // The browser's own floor on this machine: navigation → first paint of a static page (a few bytes of HTML,
      // no CSS, no script) in the same browser, beside the app's pages below.
      const floor = await staticPageFirstPaint(context, ctx.scale === "quick" ? 8 : 20);
      if (floor.n > 0) {
        waits.push({
          name: "Chromium floor: navigation → first paint of a static HTML page",
          unit: "ms",
          summary: floor,
          target: "– (what no page on this machine can beat)",
          met: null,
          notes: "fresh tab per load, a 60-byte page from a plain node:http server in the bench process",
        });
      }
      for (const curve of (seeded.info.curvePipelines ?? []).slice(1)) {
        const pageUrl = `${app.baseUrl}/pipelines/${curve.pipelineId}?m=${METRIC_NAMES.join(",")}`;
        const loads: PageLoad[] = [];
        await sample(
          async () => {
            loads.push(await loadPipelinePage(context, pageUrl));
          },
          ctx.scale === "quick" ? 8 : 20,
          2,
        );
        const measured = loads.slice(2);
        const summary = summarise(measured.map((load) => load.painted));
        const median = (pick: (load: PageLoad) => number) => summarise(measured.map(pick)).p50.toFixed(0);
        waits.push({
          name: `pipeline page in Chromium: navigation → metric graph painted, ${curve.runs.toLocaleString("en-US")} runs × 3 metrics`,
          unit: "ms",
          summary,
          target: curve.runs >= 100_000 ? "≤ 300 ms at 100k runs" : "(the same at 1/10 of the runs)",
          met: curve.runs >= 100_000 ? summary.p95 <= 300 : null,
          notes:
            "fresh tab per load, warm server; painted = the page's own mark, taken in a task posted from the first " +
            "animation frame after the plot's commit (its hover layer is in that commit). Medians: HTML received " +
            `at ${median((l) => l.html)} ms, the page's first paint at ${median((l) => l.firstPaint)} ms, series ` +
            `data in the graph's hands at ${median((l) => l.data)} ms, plot committed at ${median((l) => l.rendered)} ms; ` +
            `seen by the harness (Playwright's wait, then two frames) at ${median((l) => l.observed)} ms`,
        });
      }
      const out: Measurement[] = [
        {
          name: "metric graph first render, 10k runs × 3 metrics (Chromium)",
          unit: "ms",
          summary: render,
          target: "≤ 100 ms",
          met: render.n > 0 ? render.p95 <= 100 : null,
          notes: "from parsed JSON to the plot's commit; the server downsamples to ≤ width points per metric",
        },
        {
          name: "metric graph hover (Chromium)",
          unit: "ms",
          summary: hover,
          target: "≤ 16 ms",
          met: hover.n > 0 ? hover.p95 <= 16 : null,
          notes: `${hover.n} pointer moves: binary search + hover layer render`,
        },
        ...waits,
      ];
      return out;
    } finally {
      await browser.close();
    }
  },
};

type PageLoad = {
  html: number;
  firstPaint: number;
  data: number;
  rendered: number;
  painted: number;
  observed: number;
};

/** One fresh-tab load of the pipeline page, read from the page's own timeline (ms since navigation start). */
async function loadPipelinePage(context: BrowserContext, url: string): Promise<PageLoad> {
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: "commit" });
    await page
      .locator("[data-series]")
      .nth(METRIC_NAMES.length - 1)
      .waitFor();
    await page.getByTestId("metric-graph-overlay").waitFor();
    // components/charts/evolution-plot.tsx marks "painted" from a task after the plot's first frame.
    await page.waitForFunction(() => performance.getEntriesByName("stepwise:metric-graph:painted").length > 0);
    return await page.evaluate(
      () =>
        new Promise<PageLoad>((resolve) =>
          requestAnimationFrame(() =>
            requestAnimationFrame(() => {
              const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
              // No named helper here: tsx would wrap it in a __name() call that does not exist in the page.
              const [firstPaint, data, rendered, painted] = [
                "first-paint",
                "stepwise:metric-graph:data",
                "stepwise:metric-graph:rendered",
                "stepwise:metric-graph:painted",
              ].map((name) => performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN);
              resolve({
                html: nav ? nav.responseEnd : Number.NaN,
                firstPaint: firstPaint ?? Number.NaN,
                data: data ?? Number.NaN,
                rendered: rendered ?? Number.NaN,
                painted: painted ?? Number.NaN,
                observed: performance.now(),
              });
            }),
          ),
        ),
    );
  } finally {
    await page.close();
  }
}

/** Navigation → first paint of a minimal static page, fresh tab per load (the first two loads are warm-up). */
async function staticPageFirstPaint(context: BrowserContext, iterations: number) {
  const server = createServer((_request, response) => {
    response.setHeader("content-type", "text/html; charset=utf-8");
    response.end("<!doctype html><title>floor</title><h1>Floor</h1><p>A static page.</p>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const times: number[] = [];
  try {
    for (let i = 0; i < iterations + 2; i++) {
      const page = await context.newPage();
      try {
        await page.goto(url);
        await page.waitForFunction(() => performance.getEntriesByName("first-paint").length > 0);
        const painted = await page.evaluate(
          () => performance.getEntriesByName("first-paint")[0]?.startTime ?? Number.NaN,
        );
        if (i >= 2) times.push(painted);
      } finally {
        await page.close();
      }
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return summarise(times);
}
