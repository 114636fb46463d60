/**
 * One status vocabulary on every page: for the same run, the run page, the pipeline page's runs table, the
 * pipelines index (latest run) and the model card's print view show the same glyph and the same word
 * (lib/status.ts, components/ui/status-badge.tsx). A run is held RUNNING by the emulator's manual task
 * mode, then failed, so both a live and a failed status are compared; the print view is compared for the
 * run its card comes from. Runs serially: the emulator's task mode is global.
 */
import { expect, type Locator, type Page, test } from "@playwright/test";
import type { PipelinePage } from "../lib/pipelines/schema";
import { admin, advance, executionStatus, startRun } from "./support/runs";

test.describe.configure({ mode: "serial" });
test.setTimeout(360_000);

const PIPELINE = "size-recommendation-training";

type Reading = { status: string; glyph: string; word: string };

/** What a reader sees of one status badge: its glyph and its word (and the status it stands for). */
async function read(badge: Locator): Promise<Reading> {
  await expect(badge).toHaveCount(1);
  return {
    status: (await badge.getAttribute("data-status")) ?? "",
    glyph: ((await badge.locator('[data-part="glyph"]').textContent()) ?? "").trim(),
    word: ((await badge.locator('[data-part="word"]').textContent()) ?? "").trim(),
  };
}

async function pipelineId(page: Page): Promise<number> {
  let id = 0;
  await expect(async () => {
    const response = await page.request.get("/api/v1/pipelines?limit=200");
    expect(response.status()).toBe(200);
    const found = ((await response.json()) as PipelinePage).pipelines.find((p) => p.name === PIPELINE);
    expect(found, `${PIPELINE} synced`).toBeTruthy();
    id = found?.id ?? 0;
  }).toPass({ timeout: 240_000, intervals: [2_000, 5_000] });
  return id;
}

/** The run page's header badge, once the sync has stored `status` (reloading: the sync may lag under load). */
async function onRunPage(page: Page, publicId: string, status: string): Promise<Reading> {
  const badge = page.getByTestId("run-status").locator("[data-status-badge]");
  await expect(async () => {
    await page.goto(`/runs/${publicId}`);
    await expect(badge).toHaveAttribute("data-status", status, { timeout: 5_000 });
  }).toPass({ timeout: 120_000 });
  return read(badge);
}

async function inRunsTable(page: Page, pipeline: number, publicId: string, status: string): Promise<Reading> {
  const badge = page.getByTestId("runs-table").locator(`tr[data-run="${publicId}"] [data-status-badge]`);
  await expect(async () => {
    await page.goto(`/pipelines/${pipeline}?q=${publicId}`);
    await expect(badge).toHaveAttribute("data-status", status, { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  return read(badge);
}

/** The latest run's badge on the index, and the run it links to. */
async function onIndex(page: Page): Promise<{ reading: Reading; publicId: string }> {
  await page.goto(`/pipelines?q=${PIPELINE}`);
  const cell = page
    .getByTestId("pipelines-table")
    .locator(`tr[data-pipeline="${PIPELINE}"] td`)
    .filter({ has: page.locator("[data-status-badge]") });
  const href = (await cell.getByRole("link").getAttribute("href")) ?? "";
  return { reading: await read(cell.locator("[data-status-badge]")), publicId: href.split("/").pop() ?? "" };
}

test.beforeAll(async ({ request }) => {
  await admin(request, "/config", { taskMode: "manual", timeScale: 5000 });
});

test.afterAll(async ({ request }) => {
  await admin(request, "/config", { taskMode: "auto", timeScale: 20 });
});

test("a running, then failed run reads the same on the run page, the runs table and the index", async ({
  page,
  request,
}) => {
  const pipeline = await pipelineId(page);
  const { arn, publicId } = await startRun(page, PIPELINE);

  for (const status of ["RUNNING", "FAILED"]) {
    if (status === "FAILED") {
      await advance(request, arn, { state: "BuildFeatures" });
      await advance(request, arn, { state: "TrainModel", fail: "AlgorithmError: vocabulary check" });
      await expect.poll(() => executionStatus(request, arn), { timeout: 30_000 }).toBe("FAILED");
    }
    const runPage = await onRunPage(page, publicId, status);
    expect(runPage.status).toBe(status);
    expect(runPage.glyph).not.toBe("");
    expect(runPage.word).not.toBe("");
    expect(await inRunsTable(page, pipeline, publicId, status), `${status}: runs table vs run page`).toEqual(runPage);

    // The index shows the pipeline's latest run: whichever it is, it reads as its own run page does.
    const index = await onIndex(page);
    expect(index.publicId).not.toBe("");
    const linked = await onRunPage(page, index.publicId, index.reading.status);
    expect(index.reading, `${index.reading.status}: index vs run page`).toEqual(linked);
  }
});

test("the model card's print view reads its run's status as the run page and runs table do", async ({ page }) => {
  await pipelineId(page);
  let card = "";
  await expect(async () => {
    const list = await page.request.get("/api/v1/models?q=size-recommendation");
    const model = ((await list.json()) as { models: { id: number; name: string }[] }).models.find(
      (m) => m.name === "size-recommendation",
    );
    expect(model, "model registered").toBeTruthy();
    const detail = (await (await page.request.get(`/api/v1/models/${model?.id}`)).json()) as {
      versions: { version: number; run: { publicId: string } | null }[];
    };
    const version = detail.versions.find((v) => v.run !== null);
    expect(version, "a version with a run").toBeTruthy();
    card = `/models/${model?.id}/versions/${version?.version}/print`;
  }).toPass({ timeout: 180_000, intervals: [2_000] });

  await page.goto(card);
  await expect(page.getByTestId("print-view")).toBeVisible();
  const runFact = page.getByTestId("print-view").locator("dd", { has: page.locator('[data-status-badge="run"]') });
  const printed = await read(runFact.locator('[data-status-badge="run"]'));
  const publicId = ((await runFact.getByRole("link").first().getAttribute("href")) ?? "").split("/").pop() ?? "";
  expect(publicId).not.toBe("");

  expect(await onRunPage(page, publicId, printed.status), "print view vs run page").toEqual(printed);
  const run = (await (await page.request.get(`/api/v1/runs/${publicId}`)).json()) as { pipeline: { id: number } };
  const pipeline = run.pipeline.id;
  expect(await inRunsTable(page, pipeline, publicId, printed.status), "print view vs runs table").toEqual(printed);
});
