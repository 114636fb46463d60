/**
 * The run page in depth (issue 19): every attempt of a retried step (and the selected one in the URL), the graph
 * opening fitted and centred (every demo pipeline, and a 60-state definition), a distributed Map's Map Run and its
 * redrive, and cost per run as a series of the pipeline's metric graph. Against the app as `npm start` runs it
 * (demo emulator in manual task mode, the sync, the live stream, real logins). Serial: the task mode is global.
 */
import { ListExecutionsCommand, ListMapRunsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import type { PipelinePage } from "../lib/pipelines/schema";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { admin, advance, EMULATOR, executionStatus, finish, openRun, pastExecution, startRun } from "./support/runs";
import { seedPipeline, seedRun, withDb } from "./support/seed";

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

/**
 * Releases every held child of the Map Run (successfully), and then the parent's own held tasks after the Map
 * (CollectMetrics, RegisterModel), until the parent execution has finished.
 */
async function releaseMapChildren(request: APIRequestContext, executionArn: string, mapRunArn: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await executionStatus(request, executionArn)) === "RUNNING") {
    if (Date.now() > deadline) throw new Error("the redriven Map Run did not finish");
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ mapRunArn, maxResults: 1000 }));
    for (const child of executions) {
      if (child.status === "RUNNING" && child.executionArn) {
        await admin(request, `/executions/${encodeURIComponent(child.executionArn)}/advance`);
      }
    }
    await admin(request, `/executions/${encodeURIComponent(executionArn)}/advance`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The graph's drawing lies inside its panel, centred, and fills it in one direction (or sits at the 120 % cap). */
async function expectFittedAndCentred(page: Page, message: string): Promise<void> {
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
      { message, timeout: 15_000 },
    )
    .toBe("fitted");
}

/** 60 states: a chain, a Choice, a Parallel of three 10-state branches, an inline Map of 8, more chain, an end. */
function sixtyStateDefinition(): { definition: object; states: number } {
  const chain = (prefix: string, n: number, last: string | null) =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        `${prefix}${i + 1}`,
        i + 1 < n
          ? { Type: "Pass", Next: `${prefix}${i + 2}` }
          : last
            ? { Type: "Pass", Next: last }
            : { Type: "Pass", End: true },
      ]),
    );
  const branch = (name: string) => ({ StartAt: `${name}1`, States: chain(name, 10, null) });
  const definition = {
    StartAt: "Prep1",
    States: {
      ...chain("Prep", 10, "Gate"),
      Gate: { Type: "Choice", Choices: [{ Variable: "$.skip", BooleanEquals: true, Next: "Done" }], Default: "Fan" },
      Fan: { Type: "Parallel", Branches: [branch("Left"), branch("Middle"), branch("Right")], Next: "Score" },
      Score: {
        Type: "Map",
        ItemsPath: "$.items",
        ItemProcessor: { StartAt: "Item1", States: chain("Item", 8, null) },
        Next: "Post1",
      },
      ...chain("Post", 8, "Done"),
      Done: { Type: "Succeed" },
    },
  };
  return { definition, states: 10 + 1 + 1 + 30 + 1 + 8 + 8 + 1 };
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

  // The selected attempt is part of the shareable URL, and such a URL opens with it selected.
  await attempts.getByRole("button", { name: "Attempt 2" }).click();
  await expect(page).toHaveURL(/[?&]attempt=2(&|$)/);
  await expect(page).toHaveURL(/[?&]step=EvaluateModel(&|$)/);
  const shared = page.url();
  await page.goto(shared);
  const restored = page.getByTestId("step-attempts");
  await expect(restored.getByRole("button", { name: "Attempt 2" })).toHaveAttribute("aria-pressed", "true");
  await expect(restored.locator('[data-testid="step-attempt"][data-selected="true"]')).toHaveCount(1);
  await expect(restored.getByText("upstream 503 (2)")).toBeVisible();
  // Values that name no attempt are ignored: the step opens, nothing is selected, nothing breaks.
  for (const bad of ["9", "0", "two", "-1"]) {
    await page.goto(`/runs/${publicId}?step=EvaluateModel&attempt=${bad}`);
    await expect(page.getByTestId("step-details")).toContainText("EvaluateModel");
    await expect(page.getByTestId("step-attempt")).toHaveCount(4);
    await expect(page.locator('[data-testid="step-attempt"][data-selected="true"]')).toHaveCount(0);
  }
  await page.goto(shared);
  await expect(page.locator('[data-testid="step-attempt"][data-selected="true"]')).toHaveCount(1);
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
    await expectFittedAndCentred(page, pipeline);
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
  // The sync's next pass brings the failure in. In two of seven runs it took over 90 s after the emulator had the
  // run FAILED (cause not found yet: no sync error was logged); until it is, the test waits for up to 4 minutes.
  test.setTimeout(480_000);
  await expect(page.getByTestId("run-status")).toContainText("Failed", { timeout: 240_000 });
  // The inner state ran in child executions: never "not started".
  const shard = page.getByTestId("state-graph").getByTestId("graph-node-ScoreCategories/ScoreShard");
  await expect(shard).toHaveAttribute("data-status", "failed", { timeout: 60_000 });
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
  // Opening the Map Run puts it in the shareable URL.
  await mapRun.getByTestId("map-run-open").click();
  await expect(page).toHaveURL(/[?&]mapRun=[^&]+/);
  await expect(mapRun.getByTestId("map-run-count-total")).toContainText(String(children));
  await expect(mapRun.getByTestId("map-run-count-failed")).toContainText("1");
  await expect(mapRun.getByTestId("map-run-tolerated")).toHaveText("0 %");
  await expect(mapRun.getByTestId("map-run-child")).toHaveCount(children);
  await mapRun.getByTestId("map-run-status-filter").selectOption("FAILED");
  await expect(mapRun.getByTestId("map-run-child")).toHaveCount(1);
  await expect(mapRun.getByTestId("map-run-child")).toHaveAttribute("data-status", "FAILED");
  await expect(mapRun.getByRole("button", { name: "Redrive failed items" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-depth-map-run-light");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-depth-map-run-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // A link with only the Map Run opens its step with the Map Run open; values that name nothing are ignored.
  const token = new URL(page.url()).searchParams.get("mapRun") ?? "";
  await page.goto(`/runs/${publicId}?mapRun=${encodeURIComponent(token)}`);
  await expect(page.getByTestId("map-run")).toHaveAttribute("data-open", "true");
  await expect(page.getByTestId("map-run-count-failed")).toContainText("1");
  for (const bad of ["NoSuchMap", "0", "99", "%3Cscript%3E"]) {
    await page.goto(`/runs/${publicId}?mapRun=${bad}`);
    await expect(page.getByTestId("run-status")).toContainText("Failed");
    await expect(page.getByTestId("map-run")).toHaveCount(0);
  }
  await page.goto(`/runs/${publicId}?mapRun=${encodeURIComponent(token)}`);

  // Redrive failed items: the parent is redriven (as AWS redrives a Map Run), only the failed child runs again.
  const { mapRuns = [] } = await sfn.send(new ListMapRunsCommand({ executionArn: arn }));
  const mapRunArn = mapRuns[0]?.mapRunArn ?? "";
  const view = page.getByTestId("map-run");
  await view.getByRole("button", { name: "Redrive failed items" }).click();
  await view.getByRole("button", { name: "Redrive now" }).click();
  await expect(view.getByRole("status")).toContainText("Redrive started");
  await releaseMapChildren(request, arn, mapRunArn);
  expect(await executionStatus(request, arn)).toBe("SUCCEEDED");
  await expect(page.getByTestId("run-status")).toContainText("Succeeded", { timeout: 30_000 });
  await expect(view.getByTestId("map-run-redrives")).toContainText("Redriven once", { timeout: 30_000 });
  await expect(view.getByTestId("map-run-redrive-count")).toHaveText("1");
  await expect(view.getByTestId("map-run-summary")).toHaveText(`${children} of ${children} items succeeded.`);
  await expect(view.getByTestId("map-run-count-failed")).toContainText("0");
  await view.getByTestId("map-run-status-filter").selectOption("FAILED");
  await expect(view.getByTestId("map-run-child")).toHaveCount(0);
  await view.getByTestId("map-run-status-filter").selectOption("");
  await expect(view.locator('[data-testid="map-run-child"][data-status="SUCCEEDED"]')).toHaveCount(children);
  await expect(view.getByRole("button", { name: "Redrive failed items" })).toHaveCount(0);
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-depth-map-run-redriven-light");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-depth-map-run-redriven-dark");
  await page.emulateMedia({ colorScheme: "light" });
});

test("cost per run is one more selectable series of the pipeline's metric graph, with the approximate note", async ({
  page,
}) => {
  let pipelineId = 0;
  await expect(async () => {
    const response = await page.request.get("/api/v1/pipelines?limit=200");
    const { pipelines } = (await response.json()) as PipelinePage;
    pipelineId = pipelines.find((p) => p.name === "size-recommendation-training")?.id ?? 0;
    expect(pipelineId).toBeGreaterThan(0);
    const detail = (await (await page.request.get(`/api/v1/pipelines/${pipelineId}`)).json()) as {
      metricNames: string[];
    };
    expect(detail.metricNames).toContain("stepwise:run_cost_usd");
  }).toPass({ timeout: 120_000, intervals: [2_000] });
  await page.goto(`/pipelines/${pipelineId}`);
  const graph = page.getByTestId("metric-evolution");
  await expect(graph.locator("[data-series]")).toHaveCount(1);
  const costSeries = page.waitForResponse(
    (r) => /\/api\/v1\/pipelines\/\d+\/metrics\?/.test(r.url()) && r.url().includes("stepwise%3Arun_cost_usd"),
  );
  await graph.getByLabel("Cost per run (USD, approx.)").check();
  const data = (await (await costSeries).json()) as { series: { name: string; direction: string; y: number[] }[] };
  const cost = data.series.find((s) => s.name === "stepwise:run_cost_usd");
  expect(cost?.direction).toBe("lower");
  expect(cost?.y.length).toBeGreaterThan(0);
  await expect(graph.locator("[data-series]")).toHaveCount(2);
  // Two metrics, two stacked panels, each titled: the cost's by its label, never by the reserved name.
  await expect(graph.locator("svg text").filter({ hasText: /^Cost per run \(USD, approx\.\)$/ })).toHaveCount(1);
  await expect(graph.locator("svg text").filter({ hasText: "stepwise:run_cost_usd" })).toHaveCount(0);
  await expect(page).toHaveURL(/m=[^&]*stepwise%3Arun_cost_usd/);
  await expect(graph.getByTestId("cost-series-note")).toContainText("approximate");
  await expect(graph).toContainText("Cost per run (USD, approx.) (lower is better");
  await expectNoSeriousA11yViolations(page);
  await graph.screenshot({ path: `${SCREENS}/run-depth-cost-series-light.png` });
  await page.emulateMedia({ colorScheme: "dark" });
  await expectNoSeriousA11yViolations(page);
  await graph.screenshot({ path: `${SCREENS}/run-depth-cost-series-dark.png` });
  await page.emulateMedia({ colorScheme: "light" });
});

test("a 60-state definition opens fitted and centred in its panel", async ({ page }) => {
  const tag = Math.random().toString(36).slice(2, 10);
  const publicId = `sixty${tag}`;
  const { definition, states } = sixtyStateDefinition();
  expect(states).toBe(60);
  // A pipeline of its own (a disabled source the sync never touches) with a 60-state revision and a finished
  // run of it; steps are not needed to draw. Never a demo pipeline: later specs start runs of those, and the sync
  // would give them this revision.
  await withDb(async (db) => {
    const seeded = await seedPipeline(db, { prefix: "sixty", definition });
    await seedRun(db, seeded, { publicId, name: `e2e-sixty-${tag}`, definition, status: "SUCCEEDED" });
  });
  for (const size of [
    { width: 1280, height: 800 },
    { width: 1600, height: 1000 },
  ]) {
    await page.setViewportSize(size);
    const response = await page.goto(`/runs/${publicId}`);
    expect(response?.status()).toBe(200);
    const graph = page.getByTestId("state-graph");
    for (const id of ["Prep1", "Gate", "Fan", "Score", "Post8", "Done"]) {
      await expect(graph.getByTestId(`graph-node-${id}`)).toBeVisible();
    }
    await expectFittedAndCentred(page, `60 states at ${size.width}×${size.height}`);
  }
  await shot(page, "run-depth-graph-60-light");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectFittedAndCentred(page, "60 states, dark");
  await shot(page, "run-depth-graph-60-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 720 });
});

test("the graph stays fitted and centred through full-page screenshots and colour scheme changes", async ({ page }) => {
  // As the attempts view was when its dark screenshot showed the graph at 5 % in a corner: a step open, an axe
  // scan and a full-page screenshot in light, the scheme switched, then the same in dark. The full-page capture
  // lays the page out again, and for a moment the graph's panel measured 0 px wide: the graph was fitted into
  // nothing (5 %), the capture took that, and the next measurement fitted it back.
  await openRun(page, await pastExecution("size-recommendation-training"), "?step=EvaluateModel");
  await expect(page.getByTestId("step-details")).toContainText("EvaluateModel");
  await expectFittedAndCentred(page, "light");
  const zoom = page.getByLabel("Graph zoom level");
  const level = await zoom.textContent();
  // Every zoom level the panel shows from here on, however briefly: a screenshot catches a passing one too.
  await zoom.evaluate((el) => {
    const seen: string[] = [];
    (window as unknown as { zoomLevelsShown: string[] }).zoomLevelsShown = seen;
    new MutationObserver(() => seen.push(el.textContent ?? "")).observe(el, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  const shown = () => page.evaluate(() => (window as unknown as { zoomLevelsShown: string[] }).zoomLevelsShown);
  await expectNoSeriousA11yViolations(page);
  await shot(page, "run-depth-scheme-light");
  expect(
    (await shown()).filter((l) => l !== level),
    "zoom levels shown during the light screenshot",
  ).toEqual([]);
  for (const scheme of ["dark", "light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches)).toBe(scheme === "dark");
    await expectNoSeriousA11yViolations(page);
    await shot(page, `run-depth-scheme-${scheme}`);
    await expectFittedAndCentred(page, scheme);
    expect(
      (await shown()).filter((l) => l !== level),
      `zoom levels shown around the ${scheme} screenshot`,
    ).toEqual([]);
  }
  // The same moment, made to happen: the panel collapsed to 0 px wide until it has been measured and the page has
  // rendered twice, then restored. The graph keeps its fit; it is never fitted into nothing.
  await page.getByTestId("state-graph").evaluate(
    (el) =>
      new Promise<void>((resolve) => {
        const frames = (n: number, then: () => void) =>
          n === 0 ? then() : requestAnimationFrame(() => frames(n - 1, then));
        const observer = new ResizeObserver(([entry]) => {
          if (entry?.contentRect.width !== 0) return;
          observer.disconnect();
          frames(2, () => {
            (el as HTMLElement).style.width = "";
            resolve();
          });
        });
        (el as HTMLElement).style.width = "0px";
        observer.observe(el);
      }),
  );
  await expectFittedAndCentred(page, "after the panel measured 0 px wide");
  expect(
    (await shown()).filter((l) => l !== level),
    "zoom levels shown while the panel measured 0 px",
  ).toEqual([]);
  await page.emulateMedia({ colorScheme: "light" });
});
