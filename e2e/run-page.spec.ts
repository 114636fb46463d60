/**
 * The run page against the app as `npm start` runs it: the demo AWS emulator in manual task mode (every
 * task waits for POST /__admin/executions/<arn>/advance), the sync, the live stream, and real logins.
 * Runs serially: the emulator's task mode is global.
 */
import { expect, type Page, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { BEN, NO_SESSION, signInAs } from "./support/login";
import { admin, advance, executionStatus, finish, startRun } from "./support/runs";
import { withDb } from "./support/seed";

const SCREENS = "test-results/screens";

test.describe.configure({ mode: "serial" });
test.setTimeout(180_000);

/** A full-page screenshot from the top (a scrolled page would show the sticky header mid-image). */
async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENS}/${name}.png`, fullPage });
}

const node = (page: Page, id: string) => page.getByTestId("state-graph").getByTestId(`graph-node-${id}`);

test.beforeAll(async ({ request }) => {
  // Simulated jobs finish their sleeps almost at once; every task then waits for the test.
  await admin(request, "/config", { taskMode: "manual", timeScale: 5000 });
});

test.afterAll(async ({ request }) => {
  await admin(request, "/config", { taskMode: "auto", timeScale: 20 });
});

test("a running run's graph and timeline advance live to completion", async ({ page, request }) => {
  const { arn, publicId } = await startRun(page, "size-recommendation-training");
  await page.goto(`/runs/${publicId}`);
  await expect(page).toHaveTitle(/size-recommendation-training · Running/);
  // Marks this document: every later assertion must hold without a reload.
  await page.evaluate(() => {
    (window as unknown as { sameDocument: boolean }).sameDocument = true;
  });
  await expect(node(page, "BuildFeatures")).toHaveAttribute("data-status", "running");
  await expect(node(page, "TrainModel")).toHaveAttribute("data-status", "not-started");
  await expect(page.getByTestId("run-status")).toContainText("Running");
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-live-running");

  await advance(request, arn, { state: "BuildFeatures" });
  await expect(node(page, "BuildFeatures")).toHaveAttribute("data-status", "succeeded");
  await expect(node(page, "TrainModel")).toHaveAttribute("data-status", "running");
  await expect(page.getByTestId("timeline-row-TrainModel")).toBeVisible();

  // The training step's panel shows its SageMaker job while it runs.
  await node(page, "TrainModel").click();
  await expect(page).toHaveURL(new RegExp(`/runs/${publicId}\\?step=TrainModel$`));
  const details = page.getByTestId("step-details");
  await expect(details.getByRole("heading", { name: "TrainModel" })).toBeVisible();
  await expect(details.getByRole("tab", { name: "SageMaker job" })).toHaveAttribute("aria-selected", "true");
  await expect(details.getByText(/Training job/)).toBeVisible({ timeout: 30_000 });
  await expect(details.getByText("ml.g5.2xlarge")).toBeVisible();
  await shot(page, "run-live-training");

  expect(await finish(request, arn)).toBe("SUCCEEDED");
  await expect(page.getByTestId("run-status")).toContainText("Succeeded", { timeout: 30_000 });
  await expect(node(page, "Done")).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("timeline-row-Done")).toBeVisible();
  await expect(details.getByRole("heading", { name: "Metric curves" })).toBeVisible();
  // The job's own completion arrives later (SageMaker sync) and still reaches the open panel.
  const jobBadge = details.locator('[data-status-badge="job"]');
  await expect(jobBadge).toHaveAttribute("data-status", "Completed", { timeout: 30_000 });
  await expect(jobBadge).toHaveText("✓Completed");
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  await shot(page, "run-live-succeeded");
});

test("a failed run shows the failing step with its error; a member redrives it and both attempts show", async ({
  page,
  request,
}) => {
  const { arn, publicId } = await startRun(page, "size-recommendation-training");
  await advance(request, arn, { state: "BuildFeatures" });
  await advance(request, arn, { state: "TrainModel", fail: "AlgorithmError: loss diverged (NaN) at epoch 3" });
  await expect.poll(() => executionStatus(request, arn), { timeout: 30_000 }).toBe("FAILED");
  await page.goto(`/runs/${publicId}`);
  await expect(page.getByTestId("run-status")).toContainText("Failed", { timeout: 30_000 });
  await expect(node(page, "TrainModel")).toHaveAttribute("data-status", "failed");

  // With nothing selected the panel names the failed step; selecting it shows error and cause.
  await page
    .getByRole("button", { name: /TrainModel/ })
    .filter({ hasText: "TrainModel" })
    .first()
    .click();
  const details = page.getByTestId("step-details");
  const stepError = details.getByRole("region", { name: "Step error" });
  await expect(stepError).toContainText("States.TaskFailed");
  await expect(stepError).toContainText("loss diverged");
  await page.getByRole("button", { name: "Failed only" }).click();
  await expect(page.getByTestId("timeline-row-TrainModel")).toBeVisible();
  await expect(page.getByTestId("timeline-row-BuildFeatures")).toHaveCount(0);
  await expect(page).toHaveURL(/filter=failed/);
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-failed");

  // Ada (admin, fit-and-size) may redrive: confirmation dialog, then the result arrives live.
  await page.getByRole("button", { name: "Redrive", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Redrive this run?" });
  await expect(dialog).toBeVisible();
  await page.screenshot({ path: `${SCREENS}/run-redrive-confirm.png` });
  await dialog.getByRole("button", { name: "Redrive run" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Redrive started" })).toBeVisible();
  await expect(page.getByTestId("run-status")).toContainText("Running", { timeout: 30_000 });
  expect(await finish(request, arn)).toBe("SUCCEEDED");
  await expect(page.getByTestId("run-status")).toContainText("Succeeded", { timeout: 30_000 });
  await page.getByRole("button", { name: "Failed only" }).click();
  await expect(page.getByTestId("timeline-row-TrainModel")).toHaveAttribute("data-status", "FAILED");
  await expect(page.getByTestId("timeline-row-TrainModel#2")).toHaveAttribute("data-status", "SUCCEEDED");
  await expect(node(page, "TrainModel")).toHaveAttribute("data-status", "retried");
  await expect(page.getByTestId("run-redrives")).toContainText("1");
  await page.goto(`/runs/${publicId}?step=TrainModel%232`);
  await expect(page.getByTestId("step-details").getByText("TrainModel#2")).toBeVisible();
  await shot(page, "run-redriven");
});

test("a Map run shows its iterations in the timeline and per iteration in the graph", async ({ page, request }) => {
  const { arn, publicId } = await startRun(page, "demand-forecast-per-market");
  expect(await finish(request, arn)).toBe("SUCCEEDED");
  await page.goto(`/runs/${publicId}`);
  await expect(page.getByTestId("run-status")).toContainText("Succeeded", { timeout: 30_000 });
  for (let i = 0; i < 7; i++) await expect(page.getByTestId(`timeline-group-ForecastPerMarket[${i}]`)).toHaveCount(1);
  await expect(page.getByTestId("timeline-row-ForecastPerMarket[3]/TrainForecaster")).toBeVisible();
  await expect(node(page, "ForecastPerMarket/TrainForecaster")).toHaveAttribute("aria-label", /7 executions/);
  await page.getByLabel("Map iteration").selectOption("3");
  await expect(page).toHaveURL(/iteration=3/);
  await expect(node(page, "ForecastPerMarket/TrainForecaster")).not.toHaveAttribute("aria-label", /7 executions/);
  await page.getByRole("button", { name: /ForecastPerMarket\[3\]\/TrainForecaster/ }).click();
  await expect(page.getByTestId("step-details")).toContainText("Map iteration 3");
  await page.getByRole("button", { name: "Collapse ForecastPerMarket" }).first().click();
  await expect(node(page, "ForecastPerMarket")).toHaveAttribute("aria-label", /ForecastPerMarket/);
  await expect(page.getByTestId("graph-node-ForecastPerMarket/TrainForecaster")).toHaveCount(0);
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-map");
});

test("a copied link with step, tab and zoom opens the same view in a fresh context after login", async ({
  page,
  browser,
  request,
}) => {
  const { arn, publicId } = await startRun(page, "return-probability");
  expect(await finish(request, arn)).toBe("SUCCEEDED");
  await page.goto(`/runs/${publicId}`);
  await expect(page.getByTestId("run-status")).toContainText("Succeeded", { timeout: 30_000 });
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await node(page, "Evaluate{1}/FairnessAudit").click();
  await page.getByRole("tab", { name: "Output" }).click();
  await page.getByRole("button", { name: "Zoom the timeline in" }).click();
  await page.getByRole("button", { name: "Zoom the timeline in" }).click();
  await expect(page).toHaveURL(/zoom=4/);
  await page.getByTestId("copy-link").click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toContain(`/runs/${publicId}?`);
  const shared = new URL(copied);
  expect(shared.searchParams.get("step")).toBe("Evaluate{1}/FairnessAudit");
  expect(shared.searchParams.get("tab")).toBe("output");

  const context = await browser.newContext({ storageState: NO_SESSION });
  const fresh = await context.newPage();
  await signInAs(fresh, BEN, `${shared.pathname}${shared.search}`);
  const details = fresh.getByTestId("step-details");
  await expect(details.getByRole("heading", { name: "FairnessAudit" })).toBeVisible();
  await expect(details.getByRole("tab", { name: "Output" })).toHaveAttribute("aria-selected", "true");
  await expect(fresh.getByLabel("Timeline zoom level")).toHaveText("4×");
  await expect(fresh.getByTestId("graph-node-Evaluate{1}/FairnessAudit")).toHaveAttribute("aria-pressed", "true");
  await shot(fresh, "run-shared-view");
  await context.close();
});

test("the keyboard walks the steps: j / k move along the timeline, Enter opens, Esc closes", async ({
  page,
  request,
}) => {
  const { arn, publicId } = await startRun(page, "size-recommendation-training");
  expect(await finish(request, arn)).toBe("SUCCEEDED");
  await page.goto(`/runs/${publicId}`);
  await expect(page.getByTestId("run-status")).toContainText("Succeeded", { timeout: 30_000 });
  // The steps in the order the timeline shows them (by start).
  const rows = page.locator("[data-testid^='timeline-row-'] button[aria-pressed]");
  await expect(rows.first()).toBeVisible();
  const order = await rows.evaluateAll((buttons) =>
    buttons
      .map((b) => ({ key: b.getAttribute("title") ?? "", top: b.getBoundingClientRect().top }))
      .sort((a, b) => a.top - b.top)
      .map((b) => b.key),
  );
  expect(order.length).toBeGreaterThanOrEqual(3);
  const focusedKey = () => page.evaluate(() => document.activeElement?.getAttribute("title") ?? null);

  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("j");
  await expect.poll(focusedKey).toBe(order[0]);
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await expect.poll(focusedKey).toBe(order[2]);
  await page.keyboard.press("k");
  await expect.poll(focusedKey).toBe(order[1]);
  // The focus is visible where it is.
  const outline = await page.evaluate(() => {
    const el = document.activeElement;
    return el ? getComputedStyle(el).outlineStyle : "none";
  });
  expect(outline).not.toBe("none");

  await page.keyboard.press("Enter");
  const details = page.getByTestId("step-details");
  await expect(details.getByRole("heading", { name: order[1] })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`[?&]step=${encodeURIComponent(order[1] ?? "")}`));
  await page.keyboard.press("Escape");
  await expect(details.getByRole("heading", { name: order[1] })).toHaveCount(0);
  await expect(page).not.toHaveURL(/[?&]step=/);
});

test("stop works for a team member; a non-member sees no buttons and gets 403", async ({ page, browser, request }) => {
  const { arn, publicId } = await startRun(page, "size-recommendation-training");
  await page.goto(`/runs/${publicId}`);
  await expect(page.getByTestId("run-status")).toContainText("Running");

  // Ben (forecasting) looks at a fit-and-size run: no actions, and the API refuses.
  const context = await browser.newContext({ storageState: NO_SESSION });
  const ben = await context.newPage();
  await signInAs(ben, BEN, `/runs/${publicId}`);
  await expect(ben.getByTestId("run-status")).toContainText("Running");
  for (const name of ["Stop", "Redrive", "Re-run"]) {
    await expect(ben.getByRole("button", { name, exact: true })).toHaveCount(0);
  }
  for (const action of ["stop", "redrive", "rerun"]) {
    const refused = await ben.request.post(`/api/v1/runs/${publicId}/${action}`, { data: {} });
    expect(refused.status(), action).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "forbidden" } });
  }
  await shot(ben, "run-non-member");
  await context.close();
  expect(await executionStatus(request, arn)).toBe("RUNNING");

  // Ada stops it: confirmation, then the run shows as aborted without a reload.
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Stop this run?" });
  await dialog.getByLabel(/Reason/).fill("e2e: stopping on purpose");
  await page.screenshot({ path: `${SCREENS}/run-stop-confirm.png` });
  await dialog.getByRole("button", { name: "Stop run" }).click();
  await expect(page.getByTestId("run-status")).toContainText("Aborted", { timeout: 30_000 });
  expect(await executionStatus(request, arn)).toBe("ABORTED");
  await expect(page.getByRole("button", { name: "Stop", exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Redrive", exact: true })).toBeVisible();
});

test("unknown runs are a real 404; an execution ARN redirects to the run; dark mode reads well", async ({
  page,
  request,
}) => {
  const missing = await page.goto("/runs/NoSuchRun0");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();

  const { arn, publicId } = await startRun(page, "return-probability");
  await page.goto(`/runs/${encodeURIComponent(arn)}?tab=input`);
  await expect(page).toHaveURL(new RegExp(`/runs/${publicId}\\?tab=input$`));
  const og = await page.locator('meta[property="og:title"]').getAttribute("content");
  expect(og).toContain("return-probability");
  await finish(request, arn);
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`/runs/${publicId}?step=Evaluate`);
  await expect(page.getByTestId("run-status")).toContainText("Succeeded", { timeout: 30_000 });
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-dark");
});

test("a 1,202-step run: the first screen carries part of the list, the rest arrives after the first paint", async ({
  page,
}) => {
  const tag = Math.random().toString(36).slice(2, 10);
  const publicId = `big${tag}`;
  await withDb(async (db) => {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at, stopped_at, step_count,
                        history_complete)
       SELECT $1, id, $2, $3, 'SUCCEEDED', now() - interval '2 hours', now() - interval '1 hour', 1202, true
         FROM pipeline WHERE name = 'return-probability' RETURNING id`,
      [publicId, `arn:aws:states:eu-west-1:123456789012:execution:e2e-big:${tag}`, `e2e-big-${tag}`],
    );
    const runId = rows[0]?.id;
    await db.query(
      `INSERT INTO step (run_id, key, parent_key, state_name, state_type, status, entered_at, exited_at,
                         entered_event_id, exited_event_id, map_iteration_index, depth)
       SELECT $1, CASE WHEN i = 0 THEN 'Prep' WHEN i = 1201 THEN 'Done' ELSE 'Fan[' || (i - 1) || ']/Work' END,
              CASE WHEN i IN (0, 1201) THEN NULL ELSE 'Fan' END,
              CASE WHEN i = 0 THEN 'Prep' WHEN i = 1201 THEN 'Done' ELSE 'Work' END, 'Task', 'SUCCEEDED',
              now() - interval '2 hours' + i * interval '2 seconds', now() - interval '2 hours' + i * interval '2 seconds' + interval '1 second',
              i * 5 + 2, i * 5 + 6, CASE WHEN i IN (0, 1201) THEN NULL ELSE i - 1 END, CASE WHEN i IN (0, 1201) THEN 0 ELSE 1 END
         FROM generate_series(0, 1201) i`,
      [runId],
    );
  });
  const response = await page.goto(`/runs/${publicId}`);
  expect(response?.status()).toBe(200);
  const html = (await response?.text()) ?? "";
  // The first 100 steps are in the first screen; step 1,101 is not (the page does not carry the whole list).
  expect(html).toContain("Fan[50]/Work");
  expect(html).not.toContain("Fan[1100]/Work");
  const timeline = page.getByRole("region", { name: "Timeline" });
  await expect(timeline).toContainText("1,202 steps");
  // Then the whole list arrives: no more "loading", and the last step is in the timeline.
  await expect(page.getByTestId("timeline-loading")).toHaveCount(0);
  await page.getByTestId("timeline").evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await expect(page.getByTestId("timeline-row-Done")).toBeVisible();
  // A link to a step far down the list opens with that step's details at once.
  await page.goto(`/runs/${publicId}?step=${encodeURIComponent("Fan[1100]/Work")}`);
  await expect(page.getByTestId("step-details")).toContainText("Fan[1100]/Work");
});
