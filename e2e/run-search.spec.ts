/**
 * Search of runs by what they were given, "runs with the same value" and saved views (issue 20). The spec
 * seeds its own pipeline of the fit-and-size team (Ada's) in a disabled source, so the sync never touches it:
 * six runs, the first three on November data, learning rate 0.01 on the odd ones.
 */
import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { ADA, fillIdpLogin, NO_SESSION } from "./support/login";
import { seedPipeline, withDb } from "./support/seed";

const SCREENS = "test-results/screens";
const T0 = Date.UTC(2025, 1, 3, 6);
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

type Seeded = { pipelineId: number; runs: { publicId: string; name: string }[] };

async function seed(): Promise<Seeded> {
  return withDb(async (db) => {
    const { one } = db;
    const seeded = await seedPipeline(db, {
      prefix: "search",
      team: "fit-and-size",
      definition: { StartAt: "Train", States: { Train: { Type: "Task", Resource: "x", End: true } } },
    });
    const { tag } = seeded;
    const source = { id: seeded.sourceId };
    const pipeline = { id: seeded.pipelineId };
    const runs = [];
    for (let i = 1; i <= 6; i++) {
      const name = `search-${tag}-${i}`;
      const publicId = `srch${tag}${i}`;
      const month = i <= 3 ? "2026-11" : "2026-10";
      const r = await one<{ id: number }>(
        `INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at, stopped_at, input,
                          step_count, history_complete)
         VALUES ($1, $2, $3, $4, 'SUCCEEDED', $5, $6, $7, 1, true) RETURNING id`,
        [
          publicId,
          pipeline.id,
          seeded.executionArn(name),
          name,
          at(i * 60),
          at(i * 60 + 20),
          JSON.stringify({ market: "de", dataset: { train: `s3://data/${month}-0${i}/train` } }),
        ],
      );
      await db.query(
        `INSERT INTO step (run_id, key, state_name, state_type, status, entered_at, exited_at, entered_event_id,
                           exited_event_id)
         VALUES ($1, 'Train', 'Train', 'Task', 'SUCCEEDED', $2, $3, 2, 5)`,
        [r.id, at(i * 60), at(i * 60 + 20)],
      );
      await db.query(
        `INSERT INTO sagemaker_job (source_id, kind, name, arn, run_id, step_id, status, hyper_parameters)
         SELECT $1, 'TRAINING', $2, $3, $4, s.id, 'Completed', $5::jsonb FROM step s WHERE s.run_id = $4`,
        [
          source.id,
          `${name}-train`,
          `arn:aws:sagemaker:eu-west-1:123456789012:training-job/${name}-train`,
          r.id,
          { learning_rate: i % 2 ? "0.01" : "0.1", max_depth: String(4 + i) },
        ],
      );
      runs.push({ publicId, name });
    }
    return { pipelineId: pipeline.id, runs };
  });
}

let seeded: Seeded;
test.beforeAll(async () => {
  seeded = await seed();
});

const rows = (page: import("@playwright/test").Page) => page.getByTestId("runs-table").locator("tbody tr");
const names = (...indexes: number[]) => indexes.map((i) => seeded.runs[i - 1]?.name ?? "");

test("a search narrows the runs table, lives in a shareable URL, and says where a query is wrong", async ({
  page,
  context,
}) => {
  await page.goto(`/pipelines/${seeded.pipelineId}`);
  await expect(rows(page)).toHaveCount(6);
  const box = page.getByRole("searchbox", { name: "Search runs" });
  await box.fill("hp.learning_rate = 0.01 AND input.dataset.train ~ 2026-11");
  await box.press("Enter");
  await expect(page).toHaveURL(/[?&]q=hp\.learning_rate/);
  await expect(rows(page)).toHaveCount(2);
  // Newest first: runs 3 and 1.
  await expect(rows(page).locator("td:nth-child(2)")).toHaveText(names(3, 1));
  await expect(page.getByTestId("runs-count")).toHaveText("2 runs match");

  // The URL is the search: a second tab shows the same rows.
  const shared = await context.newPage();
  await shared.goto(page.url());
  await expect(rows(shared)).toHaveCount(2);
  await expect(shared.getByRole("searchbox", { name: "Search runs" })).toHaveValue(
    "hp.learning_rate = 0.01 AND input.dataset.train ~ 2026-11",
  );
  await shared.close();

  // OR with parentheses and a numeric comparison (max_depth is a string in SageMaker; 10 > 9 as numbers).
  await box.fill("(hp.max_depth >= 9 OR input.dataset.train ~ 2026-11-01) AND hp.learning_rate exists");
  await box.press("Enter");
  await expect(rows(page).locator("td:nth-child(2)")).toHaveText(names(6, 5, 1));

  // A query that does not parse: said with its position, the box keeps it, the other filters still apply.
  await box.fill("hp.learning_rate = 0.01)");
  await box.press("Enter");
  await expect(page.getByTestId("search-error")).toContainText("unexpected ')' at 24");
  await expect(page.getByRole("searchbox", { name: "Search runs" })).toHaveValue("hp.learning_rate = 0.01)");
  await expect(page.getByRole("searchbox", { name: "Search runs" })).toHaveAttribute("aria-invalid", "true");
  await expect(rows(page)).toHaveCount(6);
  await page.screenshot({ path: `${SCREENS}/run-search-error.png`, fullPage: true });

  // The API says the same, as a 400 with the error shape.
  const bad = await page.request.get(`/api/v1/pipelines/${seeded.pipelineId}/runs?q=${encodeURIComponent("hp.a = (")}`);
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("unexpected '(' at 8");
  const csv = await page.request.get(
    `/api/v1/pipelines/${seeded.pipelineId}/runs?format=csv&q=${encodeURIComponent("hp.learning_rate = 0.1")}`,
  );
  expect(csv.status()).toBe(200);
  expect((await csv.text()).trim().split("\r\n")).toHaveLength(4);

  await box.fill("input.dataset.train ~ 2026-11");
  await box.press("Enter");
  await expect(rows(page)).toHaveCount(3);
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await expectNoSeriousA11yViolations(page);
    await page.screenshot({ path: `${SCREENS}/run-search-${colorScheme}.png`, fullPage: true });
  }
});

test("a run's input fields and hyperparameters link to the runs with the same value", async ({ page }) => {
  const first = seeded.runs[0];
  await page.goto(`/runs/${first?.publicId}`);
  const fields = page.getByTestId("input-fields");
  await expect(fields.getByRole("row", { name: /dataset\.train/ })).toContainText("s3://data/2026-11-01/train");
  await page.screenshot({ path: `${SCREENS}/run-search-input-fields.png` });
  await fields.getByRole("link", { name: /^de/ }).click();
  await expect(page).toHaveURL(/\/pipelines\/\d+\?q=input\.market\+%3D\+de/);
  await expect(rows(page)).toHaveCount(6);

  await page.goto(`/runs/${first?.publicId}?step=Train&tab=job`);
  const rate = page.getByRole("link", { name: "0.01 — runs with the same value" });
  await expect(rate).toBeVisible();
  await rate.focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/q=hp\.learning_rate\+%3D\+0\.01/);
  await expect(page.getByRole("searchbox", { name: "Search runs" })).toHaveValue("hp.learning_rate = 0.01");
  await expect(rows(page).locator("td:nth-child(2)")).toHaveText(names(5, 3, 1));
  await page.goto(`/runs/${first?.publicId}?step=Train&tab=job`);
  await expect(rate).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: `${SCREENS}/run-search-same-value.png`, fullPage: true });
});

test("a saved view opens from its short URL after login, and can be deleted", async ({ page, browser }) => {
  const query = "hp.learning_rate = 0.1";
  await page.goto(`/pipelines/${seeded.pipelineId}?q=${encodeURIComponent(query)}&status=SUCCEEDED`);
  await expect(rows(page)).toHaveCount(3);
  const views = page.getByTestId("saved-views");
  await expect(views.getByText("No saved view yet.")).toBeVisible();
  await views.getByLabel("View name").fill("Large learning rate");
  await views.getByLabel("Owner").selectOption("fit-and-size");
  await views.getByRole("button", { name: "Save this view" }).click();
  await expect(page.getByTestId("saved-views-status")).toContainText("Saved “Large learning rate”");
  const link = views.getByRole("link", { name: "Large learning rate" });
  await expect(link).toBeVisible();
  const href = await link.getAttribute("href");
  expect(href).toMatch(/^\/v\/[A-Za-z0-9_-]{10}$/);
  await page.emulateMedia({ colorScheme: "light" });
  await page.screenshot({ path: `${SCREENS}/saved-views.png`, fullPage: false });

  // A colleague with no session opens the short URL: login, then the pipeline page with the view's filters.
  const fresh = await browser.newContext({ storageState: NO_SESSION });
  try {
    const other = await fresh.newPage();
    await other.goto(href ?? "");
    await other.waitForURL(/\/interaction\//);
    await fillIdpLogin(other, ADA);
    await other.waitForURL((url) => url.pathname === `/pipelines/${seeded.pipelineId}`);
    expect(new URL(other.url()).searchParams.get("q")).toBe(query);
    expect(new URL(other.url()).searchParams.get("status")).toBe("SUCCEEDED");
    await expect(rows(other)).toHaveCount(3);
    await expect(other.getByRole("searchbox", { name: "Search runs" })).toHaveValue(query);
  } finally {
    await fresh.close();
  }
  expect((await page.request.get("/v/zzzzzzzzzz")).status()).toBe(404);

  await views.getByRole("button", { name: "Delete view Large learning rate" }).click();
  await expect(page.getByTestId("saved-views-status")).toHaveText("Deleted “Large learning rate”.");
  await expect(views.getByText("No saved view yet.")).toBeVisible();
  expect((await page.request.get(href ?? "")).status()).toBe(404);
});
