/**
 * Training logs inline (issue 19, item 4): the job panel shows a SageMaker job's CloudWatch Logs read on
 * demand from the demo emulator — the last lines of a running job, then the lines it writes afterwards
 * (the live tail); a failed job's traceback; a log line's position in the shareable URL; the missing
 * permission said plainly. Driven deterministically: the emulator holds each task (manual task mode) until
 * the spec releases it, so the training job has written its epochs and waits before uploading.
 */
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { admin, advance, EMULATOR, finish, openRun, pastExecution, startRun } from "./support/runs";

const SCREENS = "test-results/screens";

test.describe.configure({ mode: "serial" });
// The first run of a fresh app waits for the sync's first pass over the back-filled runs.
test.setTimeout(300_000);

test.beforeAll(async ({ request }) => {
  await admin(request, "/config", { taskMode: "manual", timeScale: 5000 });
});

test.afterAll(async ({ request }) => {
  await admin(request, "/faults", {});
  await admin(request, "/config", { taskMode: "auto", timeScale: 20 });
});

/** Waits until the execution holds a task of `state` (its job has done all it does before that). */
async function heldAt(request: APIRequestContext, arn: string, state: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const r = await request.get(`${EMULATOR}/__admin/executions/${encodeURIComponent(arn)}`);
        const body = (await r.json()) as { waiting?: { stateName: string }[] };
        return (body.waiting ?? []).map((w) => w.stateName);
      },
      { timeout: 60_000, intervals: [200] },
    )
    .toContain(state);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.getByTestId("job-logs").screenshot({ path: `${SCREENS}/${name}.png` });
}

test("a running training job's panel shows its last log lines, then tails the lines it writes next", async ({
  page,
  request,
}) => {
  const { arn, publicId } = await startRun(page, "size-recommendation-training");
  await advance(request, arn, { state: "BuildFeatures" });
  await heldAt(request, arn, "TrainModel");

  await page.goto(`/runs/${publicId}?step=TrainModel&tab=job`);
  const logs = page.getByTestId("job-logs");
  const lines = logs.getByTestId("job-log-line");
  await expect(lines.last()).toContainText(/\[epoch (\d+)\/\1\] /, { timeout: 30_000 });
  await expect(logs.getByTestId("job-logs-live")).toBeVisible();
  await expect(logs.getByText("Uploading the model artifacts", { exact: false })).toHaveCount(0);
  const firstLine = await lines.first().textContent();
  const before = await lines.count();

  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-logs-live-light");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-logs-live-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // Released: the job uploads and completes; the panel reads those lines with the forward token.
  await advance(request, arn, { state: "TrainModel" });
  await expect(logs.getByText(/Uploading the model artifacts to s3:\/\//)).toBeVisible({ timeout: 45_000 });
  await expect(lines.last()).toContainText("Reporting training SUCCESS", { timeout: 45_000 });
  expect(await lines.count()).toBeGreaterThan(before);
  // Appended to what was shown, not reloaded from the end.
  await expect(lines.first()).toHaveText(firstLine ?? "");
  expect(await finish(request, arn)).toBe("SUCCEEDED");
  await expect(logs.getByTestId("job-logs-live")).toHaveCount(0, { timeout: 30_000 });
});

test("a failed training job shows its traceback ending in the failure reason; search finds it", async ({
  page,
  request,
}) => {
  const reason = "AlgorithmError: e2e: the loss became NaN at step 4400 <script>alert(1)</script>";
  const { arn, publicId } = await startRun(page, "size-recommendation-training");
  await advance(request, arn, { state: "BuildFeatures" });
  await advance(request, arn, { state: "TrainModel", fail: reason });
  expect(await finish(request, arn)).toBe("FAILED");

  await page.goto(`/runs/${publicId}?step=TrainModel&tab=job`);
  await expect(page.getByTestId("run-status")).toContainText("Failed", { timeout: 30_000 });
  const logs = page.getByTestId("job-logs");
  const lines = logs.getByTestId("job-log-line");
  // AWS-supplied text is text: the "<script>" is shown, not run.
  await expect(lines.last()).toContainText(reason, { timeout: 30_000 });
  await expect(logs.getByText("Traceback (most recent call last):")).toBeVisible();
  await expect(logs.getByTestId("job-logs-live")).toHaveCount(0);

  await logs.getByTestId("job-logs-search").fill("traceback");
  await expect(lines).toHaveCount(1);
  await expect(lines.first().locator("mark")).toHaveText("Traceback");
  await expect(logs).toContainText(/1 of \d+ loaded lines match/);
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-logs-failed-search-light");
  await logs.getByTestId("job-logs-search").fill("");

  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, "run-logs-failed-dark");
  await page.emulateMedia({ colorScheme: "light" });
});

test("a selected log line is in the URL, and opening that URL scrolls to it and highlights it", async ({ page }) => {
  const publicId = await openRun(page, await pastExecution("size-recommendation-training"), "?step=TrainModel&tab=job");
  const logs = page.getByTestId("job-logs");
  const lines = logs.getByTestId("job-log-line");
  await expect(lines.first()).toBeVisible({ timeout: 30_000 });
  // An early line (the view opens at the end), chosen by keyboard: Home, then Enter on its time link.
  const target = lines.filter({ hasText: "Invoking user script" });
  await expect(target).toHaveCount(1);
  await lines.last().getByRole("link").focus();
  await page.keyboard.press("Home");
  await expect(lines.first().getByRole("link")).toBeFocused();
  await target.getByRole("link").focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/[?&]log=[^&]+%3A\d+-\d+/);
  await expect(target).toHaveAttribute("data-selected", "true");
  const shared = page.url();
  expect(new URL(shared).searchParams.get("step")).toBe("TrainModel");

  await page.goto("about:blank");
  await page.goto(shared);
  const selected = page.getByTestId("job-logs").locator('[data-testid="job-log-line"][data-selected]');
  await expect(selected).toHaveCount(1, { timeout: 30_000 });
  await expect(selected).toContainText("Invoking user script");
  await expect
    .poll(() =>
      selected.evaluate((line) => {
        const view = line.closest('[data-testid="job-logs-view"]') as HTMLElement | null;
        if (!view) return "no view";
        const top = (line as HTMLElement).offsetTop;
        return top >= view.scrollTop && top < view.scrollTop + view.clientHeight ? "in view" : "scrolled away";
      }),
    )
    .toBe("in view");
  expect(new URL(page.url()).pathname).toBe(`/runs/${publicId}`);
});

test("without logs:GetLogEvents the panel says which permission the role lacks", async ({ page, request }) => {
  await admin(request, "/faults", { "logs:GetLogEvents": { deny: true } });
  try {
    await openRun(page, await pastExecution("size-recommendation-training"), "?step=TrainModel&tab=job");
    const denied = page.getByTestId("job-logs-denied");
    await expect(denied).toHaveText(
      "⚠ Stepwise's role lacks logs:GetLogEvents on /aws/sagemaker/TrainingJobs, so the job's logs cannot be shown.",
      { timeout: 30_000 },
    );
    await expect(page.getByTestId("job-log-line")).toHaveCount(0);
    await expectNoSeriousA11yViolations(page);
  } finally {
    await admin(request, "/faults", {});
  }
});
