/**
 * Wide tables keep every column reachable: at 1024, 1440 and 1920 px the last column of the pipeline's
 * runs table and of the pipelines index is visible or can be scrolled into view inside the table's own
 * frame (components/ui/table-scroll.tsx), its first column stays in view meanwhile, and the page itself
 * never scrolls sideways.
 */
import { expect, type Locator, type Page, test } from "@playwright/test";
import type { PipelinePage, RunPage } from "../lib/pipelines/schema";

test.describe.configure({ timeout: 300_000 });

const WIDTHS = [1024, 1440, 1920];

/** The demo pipeline whose runs table is widest (most metric columns), once synced with runs. */
async function widestPipeline(page: Page): Promise<number> {
  let best = { id: 0, columns: -1 };
  await expect(async () => {
    const list = await page.request.get("/api/v1/pipelines?limit=200");
    expect(list.status()).toBe(200);
    const pipelines = ((await list.json()) as PipelinePage).pipelines.filter((p) => p.lastRun !== null);
    expect(pipelines.length).toBeGreaterThanOrEqual(4);
    for (const p of pipelines) {
      const runs = (await (await page.request.get(`/api/v1/pipelines/${p.id}/runs?limit=1`)).json()) as RunPage;
      if (runs.runs.length > 0 && runs.metricColumns.length > best.columns)
        best = { id: p.id, columns: runs.metricColumns.length };
    }
    expect(best.columns).toBeGreaterThanOrEqual(1);
  }).toPass({ timeout: 240_000, intervals: [2_000, 5_000] });
  return best.id;
}

async function expectPageDoesNotScrollSideways(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth, "the page scrolls sideways").toBeLessThanOrEqual(clientWidth);
}

/** The last column can be brought into view inside the table's frame, with the first still showing. */
async function expectEveryColumnReachable(page: Page, table: Locator, lastHeader: string): Promise<void> {
  const frame = page.locator("section", { has: table }).last();
  await expect(table.locator("thead th").last()).toHaveText(lastHeader);
  const firstRow = table.locator("tbody tr").first();
  const last = firstRow.locator("td").last();
  await last.scrollIntoViewIfNeeded();
  await expect(last).toBeInViewport();
  await expect(table.locator("thead th").last()).toBeInViewport();
  const box = await last.boundingBox();
  const frameBox = await frame.boundingBox();
  expect(box && frameBox, "boxes").toBeTruthy();
  if (box && frameBox) expect(box.x + box.width).toBeLessThanOrEqual(frameBox.x + frameBox.width + 1);
  // The row's name stays visible however far the table has scrolled sideways: it sits inside the frame's
  // width (sticky), whatever the page's vertical position (a live update may re-render the page meanwhile).
  const name = await firstRow.locator("td a").first().boundingBox();
  expect(name && frameBox, "name box").toBeTruthy();
  if (name && frameBox) {
    expect(name.x).toBeGreaterThanOrEqual(frameBox.x - 1);
    expect(name.x + Math.min(name.width, 40)).toBeLessThanOrEqual(frameBox.x + frameBox.width + 1);
  }
  await expectPageDoesNotScrollSideways(page);

  // The frame is focusable, so the keyboard scrolls it too.
  await frame.evaluate((el) => {
    el.scrollLeft = 0;
  });
  await frame.focus();
  await expect(frame).toBeFocused();
  const before = await frame.evaluate((el) => el.scrollLeft);
  const scrollable = await frame.evaluate((el) => el.scrollWidth > el.clientWidth);
  if (scrollable) {
    await page.keyboard.press("End");
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => frame.evaluate((el) => el.scrollLeft)).toBeGreaterThan(before);
  }
}

for (const width of WIDTHS) {
  test(`every column of the runs table and the pipelines index is reachable at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    const id = await widestPipeline(page);

    await page.goto(`/pipelines/${id}`);
    const runs = page.getByTestId("runs-table");
    await expect(runs.locator("tbody tr").first()).toBeVisible();
    await expectEveryColumnReachable(page, runs, "Model version");

    await page.goto("/pipelines");
    const index = page.getByTestId("pipelines-table");
    await expect(index.locator("tbody tr").first()).toBeVisible();
    await expectEveryColumnReachable(page, index, "Headline metric");
  });
}
