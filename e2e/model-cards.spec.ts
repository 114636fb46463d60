/**
 * Model cards against the app as `npm start` runs it (demo emulator + sync + real login): a demo
 * model's card fills every section from lineage, a team member edits a narrative section and the new
 * revision shows with a diff, a non-member cannot edit (no button, 403), and the print view printed by
 * Chromium on A4 is a short document with every section heading and no clipped chart. The PDF pages
 * are also written as PNGs to test-results/screens for a human to look at.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { CARD_SECTIONS } from "@/lib/models/sections";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { BEN, NO_SESSION, signInAs } from "./support/login";

const SCREENS = "test-results/screens";

test.describe.configure({ mode: "serial" });
test.setTimeout(240_000);

type ModelSummary = { id: number; name: string };
type VersionSummary = { version: number; cardStatus: string | null; run: { publicId: string } | null };

/** The curves the card test below expects: one per metric of the size-recommendation pipeline. */
const CURVES = 4;

/**
 * A version of the size-recommendation model whose card the sync has filled: an imported SageMaker card,
 * its run, its finished training job and a curve per metric. The newest such version is taken, not merely the newest
 * version with a card: a run that other specs drove at 5000× (manual task mode) trains all its epochs in
 * well under a second, so CloudWatch's 1-second buckets hold one value per metric and that version's card
 * rightly has no curves to draw.
 */
async function demoCard(request: APIRequestContext): Promise<{ modelId: number; version: number }> {
  let found: { modelId: number; version: number } | null = null;
  await expect
    .poll(
      async () => {
        const list = await request.get("/api/v1/models?q=size-recommendation");
        if (list.status() !== 200) return `list ${list.status()}`;
        const model = ((await list.json()) as { models: ModelSummary[] }).models.find(
          (m) => m.name === "size-recommendation",
        );
        if (!model) return "no model yet";
        const detail = (await (await request.get(`/api/v1/models/${model.id}`)).json()) as {
          versions: VersionSummary[];
        };
        // Newest first (the API's order).
        const candidates = detail.versions.filter((v) => v.cardStatus !== null && v.run !== null);
        if (candidates.length === 0) return "no imported card yet";
        const states: string[] = [];
        for (const version of candidates) {
          const card = (await (
            await request.get(`/api/v1/models/${model.id}/versions/${version.version}/card`)
          ).json()) as {
            training: { job: { status: string } | null };
            evaluation: { curves: unknown[] };
          };
          // The job's billable time (the compute section's cost) is known once it has finished; the registry
          // can list the version a sync pass before the run's sync reads the job's end.
          if (card.training.job?.status === "Completed" && card.evaluation.curves.length >= CURVES) {
            found = { modelId: model.id, version: version.version };
            return "ready";
          }
          states.push(
            `v${version.version}: ${card.training.job ? `${card.training.job.status}, ${card.evaluation.curves.length} of ${CURVES} curves` : "no training job"}`,
          );
        }
        return `lineage not complete yet (${states.join("; ")})`;
      },
      { timeout: 180_000, intervals: [2_000] },
    )
    .toBe("ready");
  if (!found) throw new Error("unreachable");
  return found;
}

async function openCard(page: Page, modelId: number, version: number) {
  await page.goto(`/models/${modelId}?version=${version}`);
  await expect(page.getByTestId("model-card")).toBeVisible();
}

let target: { modelId: number; version: number };

test.beforeAll(async ({ request }) => {
  target = await demoCard(request);
});

test("a demo model's card shows every section, filled from lineage", async ({ page }) => {
  await openCard(page, target.modelId, target.version);
  const card = page.getByTestId("model-card");
  for (const section of CARD_SECTIONS) {
    await expect(card.getByRole("heading", { level: 2, name: section.title, exact: true })).toBeVisible();
  }
  const section = (id: string) => card.locator(`[data-section="${id}"]`);
  // Facts from the sync: owners, datasets, hyperparameters, metrics with the quality gate, charts, cost, lineage.
  await expect(section("details")).toContainText("fit-and-size");
  await expect(section("overview")).toContainText("size-rec-train");
  await expect(section("training").getByRole("link", { name: /-train-\d+$/ })).toBeVisible();
  await expect(section("training").locator("table")).toContainText("s3://stepwise-demo-ml/");
  await expect(section("training")).toContainText("learning_rate");
  const metrics = page.getByTestId("metrics-table");
  await expect(metrics).toContainText("validation:ndcg_at_10");
  await expect(metrics).toContainText("pipeline gate");
  await expect(
    page.getByTestId("chart-across-versions").getByRole("img", { name: /across \d+ model versions/ }),
  ).toBeVisible();
  await expect(
    page
      .getByTestId("training-curves")
      .getByRole("img", { name: /over \d+ (training steps|\d+-(minute|hour) buckets)/ }),
  ).toHaveCount(CURVES);
  await expect(page.getByTestId("quantitative-summary")).toContainText("Headline metric validation:ndcg_at_10");
  await expect(page.getByTestId("compute-table")).toContainText("ml.g5.2xlarge");
  await expect(page.getByTestId("compute-table")).toContainText("$");
  await expect(section("lineage").getByRole("link", { name: "size-recommendation-training" })).toHaveAttribute(
    "href",
    /^\/pipelines\/\d+$/,
  );
  await expect(
    section("lineage")
      .getByRole("link", { name: /^size-rec-/ })
      .first(),
  ).toHaveAttribute("href", /^\/runs\//);
  // Narrative imported from the SageMaker model card.
  await expect(section("intended-use")).toContainText("Online inference");
  await expect(page.getByTestId("risk-rating")).toHaveText("Medium");
  await expect(section("caveats")).not.toContainText("Not documented yet");

  await expectNoSeriousA11yViolations(page);
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: `${SCREENS}/model-card-${colorScheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: "light" });
});

test("the models list shows the model with its approval, card status and producing pipeline", async ({ page }) => {
  await page.goto("/models?q=size-recommendation");
  const row = page.getByTestId("models-table").getByRole("row", { name: /size-recommendation/ });
  await expect(row.getByRole("link", { name: "size-recommendation-training" })).toBeVisible();
  await expect(row).toContainText(/Approved|Pending approval|Rejected/);
  await page.goto("/models?team=forecasting");
  await expect(page.getByTestId("models-table")).not.toContainText("size-recommendation");
  await expectNoSeriousA11yViolations(page);
});

test("a team member edits a narrative section and a new revision appears with a diff", async ({ page }) => {
  await openCard(page, target.modelId, target.version);
  const history = page.getByRole("link", { name: /^History/ });
  const before = Number((await history.textContent())?.match(/\((\d+)\)/)?.[1] ?? 0);
  await page.getByRole("link", { name: "Edit card" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Edit the card/ })).toBeVisible();
  const text = `Cold-start customers get generic size advice (${Date.now().toString(36)}).`;
  await page.getByLabel("Limitations and trade-offs").fill(`${text}\n\n<script>window.pwned = 1</script>`);
  await page.getByLabel(/Change note/).fill("Document the cold-start limitation");
  await page.getByRole("button", { name: "Save new revision" }).click();

  await expect(page).toHaveURL(new RegExp(`/versions/${target.version}/history\\?from=${before}&to=${before + 1}`));
  await expect(page.getByText(`Saved as revision ${before + 1}.`)).toBeVisible();
  const diff = page.getByTestId("revision-diff");
  const changed = diff.getByRole("region", { name: "Changes to Limitations and trade-offs" });
  await expect(changed.getByRole("heading", { name: "Limitations and trade-offs" })).toBeVisible();
  await expect(changed.locator("ins").filter({ hasText: text })).toBeVisible();
  const newest = page.getByTestId("revisions").getByRole("listitem").first();
  await expect(newest).toContainText(`Revision ${before + 1}`);
  await expect(newest).toContainText("Ada Lovelace");
  await expect(newest).toContainText("Document the cold-start limitation");
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: `${SCREENS}/model-card-history.png`, fullPage: true });

  await openCard(page, target.modelId, target.version);
  const limitations = page.locator('[data-section="limitations"]');
  await expect(limitations).toContainText(text);
  // The script is text on the page, never run.
  await expect(limitations).toContainText("<script>window.pwned = 1</script>");
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
});

test("a non-member sees no edit button and cannot save (403)", async ({ browser }) => {
  const context = await browser.newContext({ storageState: NO_SESSION });
  const page = await context.newPage();
  const path = `/models/${target.modelId}?version=${target.version}`;
  await signInAs(page, BEN, path);
  await expect(page.getByTestId("model-card")).toBeVisible();
  await expect(page.getByRole("link", { name: "Edit card" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Submit for review|Approve/ })).toHaveCount(0);

  await page.goto(`/models/${target.modelId}/versions/${target.version}/edit`);
  await expect(page.getByTestId("edit-forbidden")).toContainText("Only members of the fit-and-size team");
  await expect(page.getByRole("button", { name: "Save new revision" })).toHaveCount(0);

  const response = await page.request.post(
    `/api/v1/models/${target.modelId}/versions/${target.version}/card/revisions`,
    {
      data: { baseRevision: 0, content: { limitations: "written by someone else" } },
    },
  );
  expect(response.status()).toBe(403);
  expect(await response.json()).toMatchObject({ error: { code: "forbidden" } });
  await context.close();
});

test("the print view prints on A4 as a short document with every section and whole charts", async ({ page }) => {
  await page.goto(`/models/${target.modelId}/versions/${target.version}/print`);
  await expect(page.getByTestId("print-view")).toBeVisible();
  // No portal navigation on the print view.
  await expect(page.getByRole("navigation", { name: "Primary" })).toHaveCount(0);
  await expect(page.getByRole("img", { name: /QR code linking to http/ })).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  await page.emulateMedia({ media: "print" });
  // Charts keep their whole drawing inside their figure and the page, and are never split across pages.
  const charts = await page.locator("figure > svg").evaluateAll((svgs) =>
    svgs.map((svg) => {
      const figure = svg.closest("figure");
      const s = svg.getBoundingClientRect();
      const f = figure?.getBoundingClientRect();
      return {
        width: s.width,
        inside: !!f && s.left >= f.left - 1 && s.right <= f.right + 1 && s.top >= f.top - 1 && s.bottom <= f.bottom + 1,
        withinPage: s.right <= document.documentElement.clientWidth + 1,
        breakInside: figure ? getComputedStyle(figure).breakInside : "",
      };
    }),
  );
  expect(charts.length).toBeGreaterThanOrEqual(2);
  for (const chart of charts) {
    expect(chart).toMatchObject({ inside: true, withinPage: true, breakInside: "avoid" });
    expect(chart.width).toBeGreaterThan(100);
  }
  const tables = await page.locator("table").evaluateAll((t) => t.map((e) => getComputedStyle(e).breakInside));
  expect(tables.every((b) => b === "avoid")).toBe(true);

  mkdirSync(SCREENS, { recursive: true });
  const pdfPath = `${SCREENS}/card.pdf`;
  writeFileSync(pdfPath, await page.pdf({ format: "A4" }));
  const info = execFileSync("pdfinfo", [pdfPath], { encoding: "utf8" });
  const pages = Number(info.match(/Pages:\s+(\d+)/)?.[1]);
  expect(info).toMatch(/Page size:\s+59\d\.\d+ x 84\d\.\d+ pts/);
  expect(pages).toBeGreaterThanOrEqual(2);
  expect(pages).toBeLessThanOrEqual(5);
  const text = execFileSync("pdftotext", ["-layout", pdfPath, "-"], { encoding: "utf8" });
  for (const [index, section] of CARD_SECTIONS.entries()) expect(text).toContain(`${index + 1}. ${section.title}`);
  // Running header and footer: model, version, status, print date, URL and page numbers on every page.
  expect(text).toContain(`size-recommendation · version ${target.version}`);
  expect(text).toMatch(/Printed \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  expect(text).toContain(`/models/${target.modelId}?version=${target.version}`);
  expect(text).toContain(`Page ${pages} of ${pages}`);
  execFileSync("pdftoppm", ["-png", "-r", "80", pdfPath, `${SCREENS}/card-page`]);
});

test("Download PDF renders the same card through the server's headless Chromium", async ({
  page,
  playwright,
  baseURL,
}) => {
  const response = await page.request.get(`/api/models/${target.modelId}/versions/${target.version}/pdf`);
  expect(response.status(), await response.text().catch(() => "")).toBe(200);
  expect(response.headers()["content-type"]).toBe("application/pdf");
  expect(response.headers()["content-disposition"]).toContain(`size-recommendation-v${target.version}-model-card.pdf`);
  const pdfPath = `${SCREENS}/card-server.pdf`;
  writeFileSync(pdfPath, await response.body());
  const text = execFileSync("pdftotext", ["-layout", pdfPath, "-"], { encoding: "utf8" });
  for (const section of CARD_SECTIONS) expect(text).toContain(section.title);
  const pages = Number(execFileSync("pdfinfo", [pdfPath], { encoding: "utf8" }).match(/Pages:\s+(\d+)/)?.[1]);
  expect(pages).toBeLessThanOrEqual(5);
  expect(text).toContain(`Page 1 of ${pages}`);
  execFileSync("pdftoppm", ["-png", "-r", "80", pdfPath, `${SCREENS}/card-server-page`]);

  const anonymous = await playwright.request.newContext({ baseURL, storageState: NO_SESSION });
  expect((await anonymous.get(`/api/models/${target.modelId}/versions/${target.version}/pdf`)).status()).toBe(401);
  await anonymous.dispose();
});

test("a flood of 50 parallel PDF requests from one user leaves another user's PDF served within 30 s", async ({
  page,
  browser,
  baseURL,
}) => {
  const url = `/api/models/${target.modelId}/versions/${target.version}/pdf`;
  const ada = (await page.context().cookies(baseURL)).find((c) => c.name.endsWith("stepwise.session"));
  if (!ada) throw new Error("no session");
  const benContext = await browser.newContext({ storageState: NO_SESSION });
  const benPage = await benContext.newPage();
  await signInAs(benPage, BEN, "/models");
  const ben = (await benContext.cookies(baseURL)).find((c) => c.name.endsWith("stepwise.session"));
  if (!ben) throw new Error("no session for Ben");
  const get = (cookie: { name: string; value: string }, signal?: AbortSignal) =>
    fetch(`${baseURL}${url}`, { headers: { cookie: `${cookie.name}=${cookie.value}` }, signal });

  // Ada's flood: one render at a time per user, the rest refused at once with 429 and Retry-After.
  const flood = Promise.all(
    Array.from({ length: 50 }, async () => {
      const response = await get(ada);
      await response.arrayBuffer();
      return { status: response.status, retryAfter: response.headers.get("retry-after") };
    }),
  );
  // Ben's PDF, in the middle of the flood, within 30 s.
  const benResponse = await get(ben, AbortSignal.timeout(30_000));
  expect(benResponse.status).toBe(200);
  expect(
    Buffer.from(await benResponse.arrayBuffer())
      .subarray(0, 5)
      .toString(),
  ).toBe("%PDF-");
  const answers = await flood;
  const refused = answers.filter((a) => a.status === 429);
  expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
  expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(1);
  expect(refused.length).toBeGreaterThanOrEqual(40);
  expect(refused.every((a) => Number(a.retryAfter) > 0)).toBe(true);
  await benContext.close();
});
