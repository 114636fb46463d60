/**
 * What the sync could not read is said plainly on the run page: the warning above a run whose completion
 * the sync gave up on, and the job panel's note when per-epoch curves are unavailable. The states are put
 * in the database as the sync writes them (the flows that produce them are tested in lib/sync/degrade.test.ts
 * against the emulator); this checks what a user sees, with the keyboard and axe.
 */
import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/a11y";
import { withDb } from "./support/seed";

type Target = { runId: number; publicId: string; key: string; jobId: number; sourceId: number; state: string | null };

/** A finished run of the demo with a completed training job, once the sync has stored one. */
async function finishedTrainingStep(): Promise<Target> {
  let found: Target | undefined;
  await expect
    .poll(
      async () => {
        found = await withDb(async (c) => {
          const { rows } = await c.query<Target>(
            `SELECT r.id AS "runId", r.public_id AS "publicId", s.key, j.id AS "jobId", j.source_id AS "sourceId",
                    j.series_state AS state
               FROM sagemaker_job j JOIN step s ON s.id = j.step_id JOIN run r ON r.id = j.run_id
              WHERE j.kind = 'TRAINING' AND j.status = 'Completed' AND r.history_complete
              ORDER BY r.started_at LIMIT 1`,
          );
          return rows[0];
        });
        return found !== undefined;
      },
      { timeout: 120_000, intervals: [1000] },
    )
    .toBe(true);
  return found as Target;
}

test("the run page says what the sync could not read", async ({ page }) => {
  const target = await finishedTrainingStep();
  const object = `e2e-gone-${Math.random().toString(36).slice(2, 8)}`;
  await withDb(async (c) => {
    await c.query(
      `UPDATE sagemaker_job SET series_state = 'UNAVAILABLE', series_reason = 'the role lacks cloudwatch:GetMetricData'
        WHERE id = $1`,
      [target.jobId],
    );
    await c.query(
      `INSERT INTO sync_backoff (source_id, operation, object, run_id, reason, error, attempts, first_failed_at,
          last_failed_at, gave_up_at)
       VALUES ($1, 'sagemaker:DescribeProcessingJob', $2, $3, 'not_found', 'ResourceNotFound: Requested resource not found.',
          1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')`,
      [target.sourceId, object, target.runId],
    );
  });
  try {
    await page.goto(`/runs/${target.publicId}?step=${encodeURIComponent(target.key)}&tab=job`);
    const warning = page.getByRole("region", { name: "Sync warnings" });
    await expect(warning).toBeVisible();
    await expect(warning).toContainText("Stepwise stopped reading part of this run from AWS");
    await expect(warning).toContainText(`${object} no longer exists in AWS`);
    const note = page.getByTestId("series-unavailable");
    await expect(note).toContainText("per-epoch curves unavailable: the role lacks cloudwatch:GetMetricData");
    // Said in words (and a glyph), not by colour alone.
    await expect(note).toHaveText(/⚠/);
    await expectNoSeriousA11yViolations(page);
  } finally {
    await withDb(async (c) => {
      await c.query("UPDATE sagemaker_job SET series_state = $2, series_reason = NULL WHERE id = $1", [
        target.jobId,
        target.state,
      ]);
      await c.query("DELETE FROM sync_backoff WHERE source_id = $1 AND object = $2", [target.sourceId, object]);
    });
  }
});
