/**
 * "Changes since the last good run" on the run page and through the API (issue 18 §4). The spec seeds its own
 * pipeline in a disabled source (the sync never touches it), with fixed instants: five good runs, one that
 * succeeded but regressed (a ▼ on the metric graph), and a failed run whose input, hyperparameters, image,
 * instances, data and step durations differ.
 */
import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { seedPipeline, withDb } from "./support/seed";

const SCREENS = "test-results/screens";
const T0 = Date.UTC(2025, 0, 6, 6);
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

type Seeded = { good: { publicId: string; name: string }[]; regressed: string; current: string; first: string };

async function seed(): Promise<Seeded> {
  return withDb(async (db) => {
    const { one } = db;
    const definition = { StartAt: "Train", States: { Train: { Type: "Task", Resource: "x", End: true } } };
    const seeded = await seedPipeline(db, { prefix: "changes", definition });
    const { tag } = seeded;
    const source = { id: seeded.sourceId };
    const pipeline = { id: seeded.pipelineId };
    const revision = async (resource: string) =>
      (
        await one<{ id: number }>(
          `INSERT INTO pipeline_revision (pipeline_id, definition_hash, definition) VALUES ($1, $2, $3::jsonb) RETURNING id`,
          [
            pipeline.id,
            `${tag}-${resource}`,
            { ...definition, States: { Train: { ...definition.States.Train, Resource: resource } } },
          ],
        )
      ).id;
    const oldRevision = await revision("x");
    const newRevision = await revision("y");

    const run = async (
      i: number,
      o: { status?: string; auc?: number; trainMinutes?: number; lr?: string; instance?: string; data?: string },
    ) => {
      const start = i * 60;
      const train = o.trainMinutes ?? 20;
      const name = `changes-${tag}-${i}`;
      const publicId = `chg${tag}${i}`;
      const r = await one<{ id: number }>(
        `INSERT INTO run (public_id, pipeline_id, revision_id, execution_arn, name, status, started_at, stopped_at,
                          input, step_count, history_complete)
         VALUES ($1, $2, $3, $4, $5, $6::"RunStatus", $7, $8, $9, 2, true) RETURNING id`,
        [
          publicId,
          pipeline.id,
          o.data ? newRevision : oldRevision,
          seeded.executionArn(name),
          name,
          o.status ?? "SUCCEEDED",
          at(start),
          at(start + 5 + train),
          JSON.stringify({ market: "de", dataset: { train: o.data ?? "s3://data/v1" } }),
        ],
      );
      await db.query(
        `INSERT INTO step (run_id, key, state_name, state_type, status, entered_at, exited_at, entered_event_id, exited_event_id)
         VALUES ($1, 'Prepare', 'Prepare', 'Task', 'SUCCEEDED', $2, $3, 2, 5),
                ($1, 'Train', 'Train', 'Task', $5::"StepStatus", $3, $4, 6, 9)`,
        [r.id, at(start), at(start + 5), at(start + 5 + train), o.status === "FAILED" ? "FAILED" : "SUCCEEDED"],
      );
      await db.query(
        `INSERT INTO sagemaker_job (source_id, kind, name, arn, run_id, step_id, status, hyper_parameters,
                                    algorithm_image, instance_type, instance_count, inputs, billable_seconds)
         SELECT $1, 'TRAINING', $2, $3, $4, s.id, 'Completed', $5::jsonb, 'xgboost:1.7', $6, 1, $7::jsonb, $8
           FROM step s WHERE s.run_id = $4 AND s.key = 'Train'`,
        [
          source.id,
          `${name}-train`,
          `arn:aws:sagemaker:eu-west-1:123456789012:training-job/${name}-train`,
          r.id,
          { learning_rate: o.lr ?? "0.1", max_depth: "6" },
          o.instance ?? "ml.m5.xlarge",
          JSON.stringify([
            { ChannelName: "train", DataSource: { S3DataSource: { S3Uri: `${o.data ?? "s3://data/v1"}/train` } } },
          ]),
          train * 60,
        ],
      );
      if (o.auc !== undefined)
        await db.query(
          `INSERT INTO run_metric (pipeline_id, run_id, scope, name, value, run_started_at)
           VALUES ($1, $2, 'run', 'validation:auc', $3, $4)`,
          [pipeline.id, r.id, o.auc, at(start)],
        );
      return { publicId, name };
    };
    const good = [];
    for (const [i, auc] of [0.8, 0.81, 0.8, 0.79, 0.8].entries()) good.push(await run(i, { auc }));
    const regressed = await run(5, { auc: 0.7 });
    const current = await run(6, {
      status: "FAILED",
      auc: 0.72,
      trainMinutes: 50,
      lr: "0.3",
      instance: "ml.m5.2xlarge",
      data: "s3://data/v2",
    });
    return { good, regressed: regressed.publicId, current: current.publicId, first: good[0]?.publicId ?? "" };
  });
}

let seeded: Seeded;
test.beforeAll(async () => {
  seeded = await seed();
});

test("the run page explains a failed, regressed run against the last good run, and the API says the same", async ({
  page,
}) => {
  const lastGood = seeded.good[4];
  await page.goto(`/runs/${seeded.current}`);
  const panel = page.getByTestId("changes-panel");
  await expect(panel.getByRole("heading", { name: "Changes since the last good run" })).toBeVisible();
  // The regressed run in between is skipped: the baseline is the last run without a ▼.
  await expect(panel.getByTestId("changes-baseline")).toContainText(`Compared with ${lastGood?.name}`);
  await expect(panel.getByTestId("changes-regressed")).toHaveText("▼ Regressed: validation:auc");
  await expect(panel.getByTestId("changes-metrics").getByRole("row", { name: /validation:auc/ })).toContainText(
    "regressed",
  );
  await expect(panel.getByTestId("changes-definition")).toBeVisible();
  await expect(panel.getByTestId("changes-input").getByRole("row", { name: /dataset\.train/ })).toContainText(
    "s3://data/v2",
  );
  await expect(panel.getByTestId("changes-hyperparameters").getByRole("row", { name: /learning_rate/ })).toContainText(
    "0.3",
  );
  await expect(panel.getByTestId("changes-instances").getByRole("row", { name: /instance type/ })).toContainText(
    "ml.m5.2xlarge",
  );
  await expect(panel.getByTestId("changes-input-data-locations")).toContainText("s3://data/v2/train");
  const stepRows = panel.getByTestId("changes-step-durations").locator("tbody tr");
  await expect(stepRows).toHaveCount(1);
  await expect(stepRows.first()).toContainText("Train");
  await expect(stepRows.first()).toContainText("+30 min 00 s");
  await expect(panel.getByTestId("changes-cost")).toContainText("$0.08 → $0.38");

  // The API returns the same diff (notebooks, alerts).
  const response = await page.request.get(`/api/v1/runs/${seeded.current}/changes`);
  expect(response.status()).toBe(200);
  const body = (await response.json()) as {
    baseline: { publicId: string } | null;
    hyperParameters: { key: string; before: string; after: string }[];
    steps: { key: string; deltaMs: number }[];
  };
  expect(body.baseline?.publicId).toBe(lastGood?.publicId);
  expect(body.hyperParameters).toEqual([
    expect.objectContaining({ key: "learning_rate", before: "0.1", after: "0.3" }),
  ]);
  expect(body.steps).toEqual([expect.objectContaining({ key: "Train", deltaMs: 30 * 60_000 })]);

  // Ghost bars of the baseline's steps in the timeline, on demand.
  const toggle = page.getByTestId("timeline-baseline-toggle");
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  await expect(page.getByTestId("timeline-ghost")).toHaveCount(0);
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("timeline-ghost")).toHaveCount(2);
  await expect(
    page.getByRole("button", { name: /^Train: Failed, 50 min 00 s, last good run 20 min 00 s$/ }),
  ).toBeVisible();
  // The baseline's Train bar is 20 minutes long where this run's is 50.
  const ghost = await page.getByTestId("timeline-row-Train").getByTestId("timeline-ghost").boundingBox();
  const bar = await page.getByTestId("timeline-row-Train").locator("[data-tone]").last().boundingBox();
  expect(ghost && bar ? ghost.width / bar.width : 0).toBeCloseTo(20 / 50, 1);
  await expectNoSeriousA11yViolations(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENS}/run-changes.png`, fullPage: true });
  await toggle.press("Enter");
  await expect(page.getByTestId("timeline-ghost")).toHaveCount(0);
});

test("a pipeline's first run has no baseline and says so", async ({ page }) => {
  await page.goto(`/runs/${seeded.first}`);
  const panel = page.getByTestId("changes-panel");
  await expect(panel.getByTestId("changes-note")).toHaveText(
    "No earlier successful run of this pipeline to compare with.",
  );
  await expect(page.getByTestId("timeline-baseline-toggle")).toHaveCount(0);
  const response = await page.request.get(`/api/v1/runs/${seeded.first}/changes`);
  expect(((await response.json()) as { baseline: unknown }).baseline).toBeNull();
  expect((await page.request.get("/api/v1/runs/no-such-run/changes")).status()).toBe(404);
});
