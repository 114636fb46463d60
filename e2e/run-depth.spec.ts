/**
 * The run page in depth (issue 19): every attempt of a retried step, and the graph opening fitted and
 * centred. Against the app as `npm start` runs it (demo emulator in manual task mode, the sync, the live
 * stream, real logins). Serial: the emulator's task mode is global.
 */
import { ListExecutionsCommand, ListMapRunsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { admin, advance, EMULATOR, executionStatus, finish, openRun, pastExecution, startRun } from "./support/runs";

const sfn = new SFNClient({
  endpoint: EMULATOR,
  region: "eu-west-1",
  credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
});

/**
 * Runs a distributed Map's child executions to their end (manual task mode holds each child's task): the
 * first child is failed, the others released. Returns how many children there were.
 */
async function runMapChildren(request: APIRequestContext, executionArn: string): Promise<number> {
  let mapRunArn: string | undefined;
  await expect
    .poll(async () => {
      mapRunArn = (await sfn.send(new ListMapRunsCommand({ executionArn }))).mapRuns?.[0]?.mapRunArn;
      return mapRunArn !== undefined;
    })
    .toBe(true);
  const outcome = new Map<string, "fail" | "ok">();
  const deadline = Date.now() + 120_000;
  while ((await executionStatus(request, executionArn)) === "RUNNING") {
    if (Date.now() > deadline) throw new Error("the Map Run did not finish");
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ mapRunArn, maxResults: 1000 }));
    for (const child of executions) {
      if (child.status !== "RUNNING" || !child.executionArn) continue;
      const fail = outcome.size === 0 || outcome.get(child.executionArn) === "fail";
      const released = await admin(request, `/executions/${encodeURIComponent(child.executionArn)}/advance`, {
        ...(fail ? { outcome: "fail", reason: "shard 0 has no click logs" } : {}),
      });
      if (released.status === 200) outcome.set(child.executionArn, fail ? "fail" : "ok");
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ mapRunArn, maxResults: 1000 }));
  return executions.length;
}

const SCREENS = "test-results/screens";

test.describe.configure({ mode: "serial" });
test.setTimeout(180_000);

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENS}/${name}.png`, fullPage: true });
}

test.beforeAll(async ({ request }) => {
  await admin(request, "/config", { taskMode: "manual", timeScale: 5000 });
});

test.afterAll(async ({ request }) => {
  await admin(request, "/config", { taskMode: "auto", timeScale: 20 });
});

test("a step retried three times shows each attempt as its own segment with its error, and the rule that applied", async ({
  page,
  request,
}) => {
  const { arn, publicId } = await startRun(page, "size-recommendation-training");
  await advance(request, arn, { state: "BuildFeatures" });
  await advance(request, arn, { state: "TrainModel" });
  // EvaluateModel's Retry matches Lambda.ServiceException (IntervalSeconds 2, BackoffRate 2, MaxAttempts 4).
  for (const n of [1, 2, 3]) {
    await advance(request, arn, {
      state: "EvaluateModel",
      fail: `upstream 503 (${n})`,
      error: "Lambda.ServiceException",
    });
  }
  await advance(request, arn, { state: "EvaluateModel" });
  expect(await finish(request, arn)).toBe("SUCCEEDED");

  await page.goto(`/runs/${publicId}`);
  await expect(page.getByTestId("run-status")).toContainText("Succeeded", { timeout: 30_000 });
  const row = page.getByTestId("timeline-row-EvaluateModel");
  const segments = row.getByTestId("timeline-attempt");
  await expect(segments).toHaveCount(4);
  await expect(row.locator('[data-testid="timeline-attempt"][data-status="FAILED"]')).toHaveCount(3);
  await expect(row.locator('[data-testid="timeline-attempt"][data-status="SUCCEEDED"]')).toHaveCount(1);
  // Every failed segment says its error in its tooltip. (The backoff gaps are seconds in a run the emulator
  // compresses, below a pixel here; their drawing follows the attempts' times, which derivation tests pin.)
  for (const index of [0, 1, 2]) {
    await expect(segments.nth(index)).toHaveAttribute("title", /Lambda\.ServiceException/);
  }
  // Segments follow each other in time, left to right.
  const lefts = await segments.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().left));
  expect([...lefts].sort((a, b) => a - b)).toEqual(lefts);
  await expect(row.getByRole("button", { name: /EvaluateModel: .*4 attempts \(3 failed\)/ })).toBeVisible();
  // The run's approximate cost (its SageMaker jobs priced) is in the header.
  await expect(page.getByTestId("run-cost")).toContainText(/≈ \$\d/, { timeout: 30_000 });

  // The training step's bar is split into its job's phases (SecondaryStatusTransitions) once the job is synced.
  const training = page.getByTestId("timeline-row-TrainModel");
  await expect(training.locator('[data-testid="timeline-phase"][data-phase="Training"]')).toHaveCount(1, {
    timeout: 30_000,
  });
  for (const phase of ["Starting", "Downloading", "Uploading"]) {
    await expect(training.locator(`[data-testid="timeline-phase"][data-phase="${phase}"]`)).toHaveCount(1);
  }
  await expect(training.getByRole("button", { name: /job phases: Starting .*, Training / })).toBeVisible();

  await row.getByRole("button", { name: /EvaluateModel/ }).click();
  const attempts = page.getByTestId("step-attempts");
  await expect(attempts.getByTestId("step-attempt")).toHaveCount(4);
  await expect(attempts.locator('[data-testid="step-attempt"][data-status="FAILED"]')).toHaveCount(3);
  await expect(attempts.getByTestId("step-attempt").getByText("Lambda.ServiceException")).toHaveCount(3);
  // The causes load with the step's details.
  await attempts.getByText("Cause").first().click();
  await expect(attempts.getByText("upstream 503 (1)")).toBeVisible();
  await expect(attempts.getByTestId("retry-rule")).toContainText("applied to 3 failures");
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-depth-attempts-light");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-depth-attempts-dark");
  await page.emulateMedia({ colorScheme: "light" });
});

test("the graph opens fitted and centred in its panel for every demo pipeline", async ({ page }) => {
  for (const pipeline of [
    "size-recommendation-training",
    "demand-forecast-per-market",
    "return-probability",
    "search-ranking-ltr",
  ]) {
    await openRun(page, await pastExecution(pipeline));
    const panel = page.getByTestId("state-graph");
    const drawing = panel.locator("svg > g").first();
    await expect
      .poll(
        async () => {
          const p = await panel.boundingBox();
          const d = await drawing.boundingBox();
          if (!p || !d) return "not drawn";
          const [left, right] = [d.x - p.x, p.x + p.width - (d.x + d.width)];
          const [top, bottom] = [d.y - p.y, p.y + p.height - (d.y + d.height)];
          if (Math.min(left, right, top, bottom) < -1) return `outside: ${left} ${right} ${top} ${bottom}`;
          if (Math.abs(left - right) > 3 || Math.abs(top - bottom) > 3)
            return `off centre: ${left} ${right} ${top} ${bottom}`;
          const fills = d.width >= p.width - 40 || d.height >= p.height - 40;
          const level = await page.getByLabel("Graph zoom level").textContent();
          return fills || level === "120%" ? "fitted" : `small: ${d.width}×${d.height} in ${p.width}×${p.height}`;
        },
        { message: pipeline, timeout: 15_000 },
      )
      .toBe("fitted");
    if (pipeline === "search-ranking-ltr") {
      const shard = panel.getByTestId("graph-node-ScoreCategories/ScoreShard");
      await expect(shard).toHaveAttribute("data-status", "succeeded");
      await expect(shard).toHaveAttribute("aria-label", /in a Map Run: (\d+) of \1 items succeeded/);
      await shot(page, "run-depth-graph-fitted");
    }
  }
});

test("a distributed Map run shows its Map Run: item counts, the aggregate on its inner state, a failed child", async ({
  page,
  request,
}) => {
  const { arn, publicId } = await startRun(page, "search-ranking-ltr");
  await advance(request, arn, { state: "TrainRanker" });
  const children = await runMapChildren(request, arn);
  expect(children).toBeGreaterThan(1);
  expect(await executionStatus(request, arn)).toBe("FAILED");

  await page.goto(`/runs/${publicId}`);
  await expect(page.getByTestId("run-status")).toContainText("Failed", { timeout: 30_000 });
  // The inner state ran in child executions: never "not started".
  const shard = page.getByTestId("state-graph").getByTestId("graph-node-ScoreCategories/ScoreShard");
  await expect(shard).toHaveAttribute("data-status", "failed", { timeout: 30_000 });
  await expect(shard).toHaveAttribute(
    "aria-label",
    new RegExp(`in a Map Run: ${children - 1} of ${children} items succeeded, 1 failed`),
  );

  await page
    .getByTestId("timeline-row-ScoreCategories")
    .getByRole("button", { name: /ScoreCategories/ })
    .click();
  const mapRun = page.getByTestId("map-run");
  await expect(mapRun.getByTestId("map-run-summary")).toHaveText(
    `${children - 1} of ${children} items succeeded, 1 failed.`,
  );
  await expect(mapRun.getByTestId("map-run-count-total")).toContainText(String(children));
  await expect(mapRun.getByTestId("map-run-count-failed")).toContainText("1");
  await expect(mapRun.getByTestId("map-run-tolerated")).toHaveText("0 %");
  await expect(mapRun.getByTestId("map-run-child")).toHaveCount(children);
  await mapRun.getByTestId("map-run-status-filter").selectOption("FAILED");
  await expect(mapRun.getByTestId("map-run-child")).toHaveCount(1);
  await expect(mapRun.getByTestId("map-run-child")).toHaveAttribute("data-status", "FAILED");
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-depth-map-run-light");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-depth-map-run-dark");
  await page.emulateMedia({ colorScheme: "light" });
});
