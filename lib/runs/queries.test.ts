import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { pool, sql } from "@/lib/db";
import { buildGraph } from "./graph";
import { layoutFor } from "./layout-cache";
import {
  findRunByExecutionName,
  getRun,
  getRunForAction,
  getRunPage,
  getStepDetail,
  jobPhases,
  LAYOUT_VERSION,
  listRunSteps,
  RUN_PAGE_STEPS,
} from "./queries";
import { mapRunSteps, type SeededPipeline, seedEvents, seedPipeline, seedRun, seedTrainingJob } from "./testing";

// Seeded relative to a fixed instant, so what the tests assert about times never depends on the clock.
const NOW = Date.UTC(2026, 5, 15, 12);
const minutesAgo = (m: number) => new Date(NOW - m * 60_000);

describe("jobPhases", () => {
  it("reads SecondaryStatusTransitions given as ISO or epoch seconds, in order, closing open phases", () => {
    expect(
      jobPhases([
        ["Training", "1767225720", null],
        ["Starting", "2026-01-01T00:00:00Z", null],
        ["Downloading", "2026-01-01T00:01:00", "2026-01-01T00:02:00.000Z"],
        ["Broken", "not a time", null],
      ]),
    ).toEqual([
      { name: "Starting", startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:01:00.000Z" },
      { name: "Downloading", startedAt: "2026-01-01T00:01:00.000Z", endedAt: "2026-01-01T00:02:00.000Z" },
      { name: "Training", startedAt: "2026-01-01T00:02:00.000Z", endedAt: null },
    ]);
    expect(jobPhases([])).toBeNull();
  });
});

describe("run queries", () => {
  let pipeline: SeededPipeline;
  beforeAll(async () => {
    pipeline = await seedPipeline({
      definition: { StartAt: "Train", States: { Train: { Type: "Task", Resource: "x", End: true } } },
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it("reads the page of a run: header, previous/next, revision definition and steps in order", async () => {
    const older = await seedRun(pipeline, { startedAt: minutesAgo(60), stoppedAt: minutesAgo(50) });
    const revisionDefinition = { StartAt: "Old", States: { Old: { Type: "Pass", End: true } } };
    const run = await seedRun(pipeline, {
      status: "FAILED",
      startedAt: minutesAgo(30),
      stoppedAt: minutesAgo(20),
      input: JSON.stringify({ market: "de", dataset: { train: "s3://a" }, epochs: 3, tags: [1, 2] }),
      error: "States.TaskFailed",
      redriveCount: 1,
      definition: revisionDefinition,
      steps: [
        { key: "Train", stateName: "Train", status: "FAILED", enteredAt: minutesAgo(30), exitedAt: minutesAgo(25) },
        { key: "Train#2", stateName: "Train", enteredAt: minutesAgo(24), exitedAt: minutesAgo(21), attempts: 3 },
      ],
    });
    const newer = await seedRun(pipeline, { status: "RUNNING", startedAt: minutesAgo(5) });

    const page = await getRunPage({ id: run.publicId });
    expect(page).not.toBeNull();
    if (!page) return;
    expect(page.run).toMatchObject({
      publicId: run.publicId,
      name: run.name,
      status: "FAILED",
      redriveCount: 1,
      input: null,
      pipeline: { id: pipeline.pipelineId, name: pipeline.name, team: { slug: pipeline.teamSlug } },
      previous: { publicId: older.publicId },
      next: { publicId: newer.publicId, status: "RUNNING" },
      statusCounts: { FAILED: 1, SUCCEEDED: 1 },
      region: "eu-west-1",
    });
    expect(page.run.inputSummary).toBe("market=de, dataset={1}, epochs=3, tags=[2]");
    expect(page.run.consoleUrl).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${run.executionArn}`,
    );
    expect(page.run.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(page.run.startedAt)).toBe(minutesAgo(30).getTime());
    expect(page.definition).toEqual(revisionDefinition);
    // Step times come back as UTC ISO strings, the same instants as seeded.
    expect(Date.parse(page.steps[0]?.enteredAt ?? "")).toBe(minutesAgo(30).getTime());
    expect(page.steps[0]?.enteredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/);
    expect(page.steps.map((s) => [s.key, s.status, s.attempts])).toEqual([
      ["Train", "FAILED", 1],
      ["Train#2", "SUCCEEDED", 3],
    ]);

    // The same run by execution ARN; unknown ids are null, not errors.
    expect((await getRunPage({ id: run.executionArn }))?.run.publicId).toBe(run.publicId);
    expect(await getRunPage({ id: "nope-nope" })).toBeNull();
    expect(await getRunPage({ id: "arn:aws:states:eu-west-1:1:execution:x:y" })).toBeNull();
    // The oldest run has no previous one.
    expect((await getRun({ id: older.publicId }))?.previous).toBeNull();
  });

  it("includes payloads in the API read only when asked", async () => {
    const run = await seedRun(pipeline, { input: '{"a":1}' });
    expect((await getRun({ id: run.publicId, payloads: true }))?.input).toBe('{"a":1}');
    expect((await getRun({ id: run.publicId, payloads: false }))?.input).toBeNull();
    const big = await seedRun(pipeline, { input: JSON.stringify({ blob: "x".repeat(300_000) }) });
    expect((await getRun({ id: big.publicId, payloads: false }))?.inputSummary).toBe("293 KiB of JSON");
  });

  it("lists steps, optionally by status", async () => {
    const run = await seedRun(pipeline, {
      steps: [
        { key: "A", stateName: "A", enteredAt: minutesAgo(3), exitedAt: minutesAgo(2) },
        { key: "B", stateName: "B", status: "FAILED", enteredAt: minutesAgo(2), error: "Boom".repeat(100) },
      ],
    });
    const all = await listRunSteps({ id: run.publicId });
    expect(all?.steps.map((s) => s.key)).toEqual(["A", "B"]);
    expect(all?.steps[1]?.error).toHaveLength(200);
    expect(all?.steps[1]?.exitedAt).toBeNull();
    const failed = await listRunSteps({ id: run.publicId, status: "FAILED" });
    expect(failed?.steps.map((s) => s.key)).toEqual(["B"]);
    expect(await listRunSteps({ id: "missing-run" })).toBeNull();
  });

  it("reads one step with payloads, its SageMaker job, metric curves and its own thread of events", async () => {
    const run = await seedRun(pipeline, {
      steps: [
        {
          key: "Train",
          stateName: "Train",
          enteredAt: minutesAgo(10),
          exitedAt: minutesAgo(1),
          input: '{"x":1}',
          output: '{"y":2}',
          jobName: "will-be-set",
          enteredEventId: 2,
          exitedEventId: 7,
        },
      ],
    });
    const job = await seedTrainingJob(pipeline, run, "Train", { epochs: 4 });
    // The run-level value the sync derives from a run's only training job carries that job's id (write-jobs.ts):
    // the job's final metrics are its own rows, not that one again.
    await sql(
      `INSERT INTO run_metric (pipeline_id, run_id, job_id, scope, name, value, run_started_at)
       VALUES ($1, $2, $3, 'run', 'validation:auc', 0.7, now())
       ON CONFLICT (run_id, scope, name) DO UPDATE SET job_id = EXCLUDED.job_id`,
      [pipeline.pipelineId, run.id, job.jobId],
    );
    await seedEvents(run.id, [
      { id: 1, previousId: 0, type: "ExecutionStarted" },
      { id: 2, previousId: 1, type: "TaskStateEntered" },
      { id: 3, previousId: 2, type: "TaskScheduled", details: { resource: "x" } },
      { id: 4, previousId: 99, type: "TaskStateEntered" }, // another thread, interleaved
      { id: 5, previousId: 3, type: "TaskStarted" },
      { id: 6, previousId: 5, type: "TaskSucceeded", details: { output: "z".repeat(10_000) } },
      { id: 7, previousId: 6, type: "TaskStateExited" },
    ]);
    const detail = await getStepDetail({ id: run.publicId, key: "Train" });
    expect(detail?.step).toMatchObject({ key: "Train", input: '{"x":1}', output: '{"y":2}', jobKind: "TRAINING" });
    // The step list carries the job's phases (its secondary statuses), an open one ending where the next begins.
    const list = await listRunSteps({ id: run.publicId });
    expect(list?.steps.find((s) => s.key === "Train")?.jobPhases).toEqual([
      { name: "Starting", startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:01:00.000Z" },
      { name: "Training", startedAt: "2026-01-01T00:01:00.000Z", endedAt: null },
    ]);
    expect(detail?.events.map((e) => e.id)).toEqual([2, 3, 5, 6, 7]);
    expect(detail?.events[3]?.details?.length).toBe(4096);
    const [trained] = detail?.jobs ?? [];
    expect(trained).toMatchObject({
      name: job.name,
      kind: "TRAINING",
      instanceType: "ml.g5.2xlarge",
      billableSeconds: 1234,
      hyperParameters: { epochs: "3", learning_rate: "0.001" },
      finalMetrics: [{ name: "validation:auc", value: 0.7 }],
    });
    expect(trained?.statusTransitions.map((t) => t.status)).toEqual(["Starting", "Training"]);
    expect(trained?.series.map((s) => [s.name, s.points.length])).toEqual([
      ["train:loss", 4],
      ["validation:auc", 4],
    ]);
    expect(trained?.consoleUrl).toContain(`#/jobs/${job.name}`);
    expect(trained?.logsUrl).toContain("TrainingJobs");
    expect(await getStepDetail({ id: run.publicId, key: "Nope" })).toBeNull();
  });

  it("resolves /pipelines/<id or name>/runs/<execution name> and the action's view of a run", async () => {
    const run = await seedRun(pipeline, { status: "RUNNING" });
    expect(await findRunByExecutionName({ pipeline: String(pipeline.pipelineId), name: run.name })).toBe(run.publicId);
    expect(await findRunByExecutionName({ pipeline: pipeline.name, name: run.name })).toBe(run.publicId);
    expect(await findRunByExecutionName({ pipeline: pipeline.name, name: "nope" })).toBeNull();
    expect(await getRunForAction({ id: run.publicId })).toMatchObject({
      executionArn: run.executionArn,
      teamId: pipeline.teamId,
      status: "RUNNING",
    });
  });

  it("reads a 2,000-step run page in one SQL statement, with the first screen of steps and every step's state", async () => {
    const run = await seedRun(pipeline, { status: "RUNNING", steps: mapRunSteps(400, 5) });
    const all = (await listRunSteps({ id: run.publicId }))?.steps ?? [];
    expect(all).toHaveLength(2002);
    const deep = all[1500]?.key ?? "";
    const spy = vi.spyOn(pool, "query");
    const page = await getRunPage({ id: run.publicId, selectedKey: deep });
    expect(spy).toHaveBeenCalledTimes(1);
    if (!page) throw new Error("no page");
    expect(page.stepTotal).toBe(2002);
    // The first screen: the first RUN_PAGE_STEPS entered, every failed step and the selected one, in order.
    const failed = all.filter((s) => s.status === "FAILED");
    expect(failed.length).toBeGreaterThan(0);
    const expected = all.filter((s, i) => i < RUN_PAGE_STEPS || s.status === "FAILED" || s.key === deep);
    expect(page.steps.map((s) => s.key)).toEqual(expected.map((s) => s.key));
    // Every step's state for the graph, in entered order.
    const [keys, statuses, entered, attempts, iterations] = page.stepStates;
    expect(keys).toEqual(all.map((s) => s.key));
    expect(statuses).toEqual(all.map((s) => s.status));
    expect(entered).toEqual(all.map((s) => s.enteredAt));
    expect(attempts).toEqual(all.map((s) => s.attempts));
    expect(iterations).toEqual(all.map((s) => s.mapIterationIndex));
    // Payloads are not part of the list, and the page carries a fraction of it.
    expect(JSON.stringify(page.steps).length).toBeLessThan(JSON.stringify(all).length / 5);
  });

  it("pages through the steps without gap or duplicate, and says where the next page starts", async () => {
    const run = await seedRun(pipeline, { steps: mapRunSteps(60, 4) });
    const all = (await listRunSteps({ id: run.publicId }))?.steps.map((s) => s.key) ?? [];
    expect(all).toHaveLength(242);
    const seen: string[] = [];
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const page = await listRunSteps({ id: run.publicId, offset, limit: 100 });
      expect(page?.total).toBe(242);
      seen.push(...(page?.steps.map((s) => s.key) ?? []));
      offset = page?.nextOffset ?? null;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(all);
    expect((await listRunSteps({ id: run.publicId }))?.nextOffset).toBeNull();
    const failedAll = (await listRunSteps({ id: run.publicId, status: "FAILED" }))?.steps ?? [];
    expect(failedAll.length).toBeGreaterThan(0);
    const failedPage = await listRunSteps({ id: run.publicId, status: "FAILED", limit: 1 });
    expect(failedPage?.steps.map((s) => s.key)).toEqual([failedAll[0]?.key]);
    expect(failedPage?.total).toBe(failedAll.length);
    expect(failedPage?.nextOffset).toBe(failedAll.length > 1 ? 1 : null);
  });

  it("keeps graph layouts in Postgres by definition, so another instance finds them with the page", async () => {
    const definition = {
      StartAt: `A${Math.random().toString(36).slice(2, 8)}`,
      States: {} as Record<string, unknown>,
    };
    definition.States[definition.StartAt] = { Type: "Pass", End: true };
    const run = await seedRun(pipeline, { definition });
    const first = await getRunPage({ id: run.publicId });
    if (!first) throw new Error("no page");
    expect(first.layoutKey).toMatch(new RegExp(`^${LAYOUT_VERSION}:[0-9a-f]{32}$`));
    expect(first.layout).toBeNull();
    const layout = await layoutFor({ key: first.layoutKey, model: buildGraph(first.definition), cached: first.layout });
    expect(layout.nodes.some((n) => n.id === definition.StartAt)).toBe(true);
    // A second run of the same definition (another instance would read the same) gets it with its page.
    const again = await seedRun(pipeline, { definition });
    const second = await getRunPage({ id: again.publicId });
    expect(second?.layoutKey).toBe(first.layoutKey);
    expect(second?.layout).toEqual(JSON.parse(JSON.stringify(layout)));
    // Which is then used as is: no layout run, no statement.
    const spy = vi.spyOn(pool, "query");
    expect(await layoutFor({ key: first.layoutKey, model: buildGraph(definition), cached: second?.layout })).toEqual(
      second?.layout,
    );
    expect(spy).not.toHaveBeenCalled();
  });
});
