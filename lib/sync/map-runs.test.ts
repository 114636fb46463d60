/**
 * Map Runs of distributed Maps against the emulator (real SDK clients) and real Postgres: the sync stores
 * DescribeMapRun's counts for the Map step, describes a settled Map Run once, and the run page's API answers
 * the counts and pages the child executions (filterable, hostile input → 400/404, never 500).
 */
import { DescribeMapRunCommand, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as mapRunExecutionsRoute } from "@/app/api/v1/runs/[runId]/map-runs/executions/route";
import { GET as getRunRoute } from "@/app/api/v1/runs/[runId]/route";
import { pool } from "@/lib/db";
import type { RunningEmulator } from "@/lib/emulator";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { publicIdFor } from "./ids";
import { runSourcePass } from "./pass";
import { adminStats, memoryLogger, reloadSource, sdkClient, startTestApiSource, type TestApiSource } from "./testing";

const ITEMS = ["a", "b", "c", "d", "e"];
const DEFINITION = {
  StartAt: "Score",
  States: {
    Score: {
      Type: "Map",
      ItemsPath: "$.shards",
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
        StartAt: "ScoreShard",
        States: { ScoreShard: { Type: "Pass", End: true } },
      },
      MaxConcurrency: 2,
      ToleratedFailurePercentage: 10,
      End: true,
    },
  },
};

const routeContext = (params: Record<string, unknown>) => ({ params: Promise.resolve(params) });

describe("Map Runs", () => {
  let api: TestApiSource | undefined;
  let emu: RunningEmulator;
  let sfn: SFNClient;
  let source: AwsSource;
  let executionArn: string;
  let publicId: string;
  let auth: Record<string, string>;
  const log = memoryLogger();
  const pass = async () => runSourcePass(await reloadSource(source.key), { full: true, log });

  beforeAll(async () => {
    api = await startTestApiSource({ demo: false });
    ({ emu, source, auth } = api);
    sfn = sdkClient(emu);
    const machine = emu.createStateMachine({ name: `map-runs-${Date.now()}`, definition: JSON.stringify(DEFINITION) });
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machine.arn, input: JSON.stringify({ shards: ITEMS }) }),
    );
    executionArn = started.executionArn ?? "";
    publicId = publicIdFor(executionArn);
    await emu.waitForExecution(executionArn);
  });

  afterAll(() => api?.stop());

  it("stores the Map Run of a distributed Map with DescribeMapRun's counts, and describes it once", async () => {
    await pass();
    const { rows } = await pool.query(
      `SELECT m.step_key, m.status, m.max_concurrency, m.tolerated_failure_percentage, m.item_counts, m.map_run_arn
         FROM map_run m JOIN run r ON r.id = m.run_id WHERE r.public_id = $1`,
      [publicId],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0];
    const described = await sfn.send(new DescribeMapRunCommand({ mapRunArn: row.map_run_arn }));
    expect(row).toMatchObject({
      step_key: "Score",
      status: "SUCCEEDED",
      max_concurrency: 2,
      tolerated_failure_percentage: 10,
      item_counts: JSON.parse(JSON.stringify(described.itemCounts)),
    });
    expect(row.item_counts).toMatchObject({ total: ITEMS.length, succeeded: ITEMS.length, failed: 0 });

    const before = (await adminStats(emu)).DescribeMapRun ?? 0;
    await pass();
    expect((await adminStats(emu)).DescribeMapRun ?? 0).toBe(before);
  });

  it("answers the Map Run with the run, and pages its child executions by status", async () => {
    const run = await getRunRoute(new Request(`http://localhost/api/v1/runs/${publicId}`, { headers: auth }), {
      params: Promise.resolve({ runId: publicId }),
    });
    const body = (await run.json()) as { mapRuns: { stepKey: string; mapRunArn: string; itemCounts: unknown }[] };
    expect(body.mapRuns).toHaveLength(1);
    expect(body.mapRuns[0]?.itemCounts).toMatchObject({ total: 5, succeeded: 5, pendingRedrive: 0 });
    const mapRun = body.mapRuns[0]?.mapRunArn ?? "";

    const page = async (query: string) =>
      mapRunExecutionsRoute(
        new Request(`http://localhost/api/v1/runs/${publicId}/map-runs/executions?${query}`, { headers: auth }),
        routeContext({ runId: publicId }),
      );
    const first = await page(`mapRun=${encodeURIComponent(mapRun)}&limit=3`);
    expect(first.status).toBe(200);
    const one = (await first.json()) as { executions: { name: string; status: string }[]; nextToken: string | null };
    expect(one.executions).toHaveLength(3);
    expect(one.nextToken).not.toBeNull();
    const second = (await (await page(`limit=3&nextToken=${encodeURIComponent(one.nextToken ?? "")}`)).json()) as {
      executions: { name: string }[];
      nextToken: string | null;
    };
    expect(second.nextToken).toBeNull();
    expect([...one.executions, ...second.executions].map((x) => x.name).sort()).toEqual(["0", "1", "2", "3", "4"]);
    const failed = (await (await page("status=FAILED")).json()) as { executions: unknown[] };
    expect(failed.executions).toEqual([]);

    // Hostile input: a clear 400 / 404, never a 500.
    expect((await page("status=EXPLODED")).status).toBe(400);
    expect((await page("limit=1000")).status).toBe(400);
    expect((await page("nextToken=forged")).status).toBe(400);
    const otherArn = `${mapRun.replace(/:[^:]+$/, "")}:not-this-one`;
    const other = await page(`mapRun=${encodeURIComponent(otherArn)}`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { code: "not_found" } });
    const missing = await mapRunExecutionsRoute(
      new Request("http://localhost/api/v1/runs/nope/map-runs/executions", { headers: auth }),
      routeContext({ runId: "nope" }),
    );
    expect(missing.status).toBe(404);
    const anonymous = await mapRunExecutionsRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}/map-runs/executions`),
      routeContext({ runId: publicId }),
    );
    expect(anonymous.status).toBe(401);
  });
});

describe("Map Runs the role may not describe", () => {
  let api: TestApiSource | undefined;
  let emu: RunningEmulator;
  let source: AwsSource;
  let auth: Record<string, string>;

  beforeAll(async () => {
    api = await startTestApiSource({ demo: false });
    ({ emu, source, auth } = api);
  });

  afterAll(() => api?.stop());

  it("stores the run and its steps without the Map Run, backs off on it and does not ask again at once", async () => {
    // states:DescribeMapRun missing from the role: AccessDeniedException, as AWS answers it.
    emu.setFaults({ "sfn:DescribeMapRun": { deny: true } });
    const sfn = sdkClient(emu);
    const machine = emu.createStateMachine({
      name: `map-denied-${Date.now()}`,
      definition: JSON.stringify(DEFINITION),
    });
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machine.arn, input: JSON.stringify({ shards: ITEMS }) }),
    );
    const arn = started.executionArn ?? "";
    const id = publicIdFor(arn);
    await emu.waitForExecution(arn);
    const pass = async () => runSourcePass(await reloadSource(source.key), { full: true, log: memoryLogger() });
    await pass();
    const denied = () => emu.stats().faults["sfn:DescribeMapRun:denied"] ?? 0;
    expect(denied()).toBeGreaterThan(0);

    const { rows: runs } = await pool.query("SELECT status FROM run WHERE public_id = $1", [id]);
    expect(runs).toEqual([{ status: "SUCCEEDED" }]);
    const { rows: steps } = await pool.query(
      "SELECT count(*)::int AS n FROM step s JOIN run r ON r.id = s.run_id WHERE r.public_id = $1 AND s.key = 'Score'",
      [id],
    );
    expect(steps[0]?.n).toBe(1);
    const { rows: mapRuns } = await pool.query(
      "SELECT 1 FROM map_run m JOIN run r ON r.id = m.run_id WHERE r.public_id = $1",
      [id],
    );
    expect(mapRuns).toEqual([]);

    // A resource-scoped denial stays with its Map Run (as one state machine's DescribeStateMachine does): backed
    // off, and on the run page once given up; the run's answer has no Map Run meanwhile.
    const { rows: backoff } = await pool.query(
      "SELECT reason, gave_up_at FROM sync_backoff WHERE source_id = $1 AND operation = 'states:DescribeMapRun'",
      [source.id],
    );
    expect(backoff).toEqual([{ reason: "denied", gave_up_at: null }]);
    const answer = await getRunRoute(new Request(`http://localhost/api/v1/runs/${id}`, { headers: auth }), {
      params: Promise.resolve({ runId: id }),
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { mapRuns: unknown[] }).mapRuns).toEqual([]);

    // The next pass waits for the backoff instead of asking again.
    const hits = denied();
    await pass();
    expect(denied()).toBe(hits);
    emu.setFaults({});
  });
});
