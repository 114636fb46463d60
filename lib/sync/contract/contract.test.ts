/**
 * Contract tests: payloads written from the AWS API references (lib/sync/contract/fixtures), served on the
 * AWS wire protocols to the sync's real SDK clients, synced into real Postgres, and every stored row checked
 * against what the reference says the payload means. The expected steps, jobs, metrics and registry rows
 * are written by hand here, not captured from a run.
 */
import { HistoryEventType } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { RUN_COST_METRIC } from "@/lib/metrics/direction";
import { getRun } from "@/lib/runs/queries";
import { deleteSource, dumpSource, memoryLogger } from "@/lib/sync/testing";
import { EXPRESS_NOTE } from "../discovery";
import { HISTORY_EVENT_DETAILS_KEY } from "../history-types";
import { definitionHash, publicIdFor } from "../ids";
import { runSourcePass } from "../pass";
import { loadSources, upsertSources } from "../sources";
import { contractAccount } from "./fixtures";
import { ACCOUNT, at, executionArn, iso, OTHER_ACCOUNT, REGION, smArn } from "./fixtures/common";
import { arnOf, EXECUTIONS } from "./fixtures/executions";
import {
  CARD_CONTENT,
  DescribeModelPackage,
  DescribeProcessingJob,
  DescribeTrainingJob,
  DescribeTransformJob,
  packageArn,
} from "./fixtures/sagemaker";
import { DEFINITIONS, TAGS } from "./fixtures/state-machines";
import { type ContractServer, type JsonObject, startContractServer } from "./server";

const NOW = new Date(Date.UTC(2026, 5, 5, 12, 0, 0));
let server: ContractServer;
let source: AwsSource;

beforeAll(async () => {
  server = await startContractServer(contractAccount());
  const key = "contract-fixtures";
  const [old] = await loadSources({ keys: [key] });
  if (old) await deleteSource(old.id);
  await upsertSources([{ key, accountId: ACCOUNT, region: REGION, endpoint: server.url }], pool);
  [source] = (await loadSources({ keys: [key] })) as [AwsSource];
  const log = memoryLogger();
  const summary = await runSourcePass(source, { full: true, log, now: NOW });
  expect(summary.failures, JSON.stringify(log.lines.filter((l) => l.level === "error"))).toBe(0);
});
afterAll(async () => {
  if (source) await deleteSource(source.id);
  await server?.stop();
});

const q = async <T extends Record<string, unknown>>(text: string): Promise<T[]> =>
  (await pool.query<T>(text, [source.id])).rows;
const isoOf = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null ? null : String(v));
/** AWS epoch seconds, as the SDK turns them into Dates and jsonb stores them: ISO strings. */
const epochToIso = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(epochToIso)
    : value && typeof value === "object"
      ? Object.fromEntries(
          Object.entries(value).map(([k, v]) => [
            k,
            /Time$|Date$/.test(k) && typeof v === "number" ? new Date(v * 1000).toISOString() : epochToIso(v),
          ]),
        )
      : value;

describe("the fixtures cover the reference", () => {
  it("has every HistoryEvent type of the reference, each with its own details member or none", () => {
    const seen = new Set<string>();
    for (const x of EXECUTIONS) {
      for (const e of x.events) {
        seen.add(String(e.type));
        const members = Object.keys(e).filter((k) => k.endsWith("EventDetails"));
        expect(members.length, `${x.name} #${e.id}`).toBeLessThanOrEqual(1);
        if (members[0]) {
          expect(members[0], `${x.name} #${e.id} ${e.type}`).toBe(
            HISTORY_EVENT_DETAILS_KEY[e.type as keyof typeof HISTORY_EVENT_DETAILS_KEY],
          );
        }
      }
    }
    expect([...seen].sort()).toEqual(Object.values(HistoryEventType).sort());
  });
});

describe("synced from the reference payloads", () => {
  it("stores every state machine as a pipeline with its definition, revision, tags and team", async () => {
    const rows = await q<Record<string, unknown>>(
      `SELECT p.name, p.type, p.status, p.description, t.slug AS team, p.tags, p.definition, p.headline_metric,
              p.aws_created_at, p.sync_note, rev.aws_revision_id, rev.definition_hash
         FROM pipeline p LEFT JOIN team t ON t.id = p.team_id LEFT JOIN pipeline_revision rev ON rev.id = p.revision_id
        WHERE p.source_id = $1 ORDER BY p.name`,
    );
    const team: Record<string, string> = {
      "contract-activities": "fit-and-size",
      "contract-tasks": "forecasting",
      "contract-map-parallel": "forecasting",
      "contract-training": "returns",
      "contract-guards": "returns",
      "contract-express": "search-relevance",
    };
    const headline: Record<string, string> = {
      "contract-map-parallel": "validation:mape",
      "contract-training": "validation:auc",
    };
    expect(rows.map((r) => ({ ...r, aws_created_at: isoOf(r.aws_created_at) }))).toEqual(
      Object.keys(DEFINITIONS)
        .sort()
        .map((name) => ({
          name,
          type: name === "contract-express" ? "EXPRESS" : "STANDARD",
          status: "ACTIVE",
          description: name === "contract-training" ? "Trains the return-probability model on every market" : null,
          team: team[name] ?? null,
          tags: Object.fromEntries((TAGS[name] ?? []).map((t) => [t.key, t.value])),
          definition: DEFINITIONS[name],
          headline_metric: headline[name] ?? null,
          aws_created_at: expect.any(String),
          sync_note: name === "contract-express" ? EXPRESS_NOTE : null,
          aws_revision_id: `rev-${name}-3f1c`,
          definition_hash: definitionHash(DEFINITIONS[name]),
        })),
    );
    expect(isoOf(rows.find((r) => r.name === "contract-activities")?.aws_created_at)).toBe(iso(-86400 * 30));
    // Both ListStateMachines pages were read; the Express state machine's executions were never listed.
    expect(server.calls["sfn:ListStateMachines"]).toBe(2);
    expect(server.requests["sfn:ListExecutions"]?.map((r) => r.stateMachineArn)).not.toContain(
      smArn("contract-express"),
    );
  });

  it("stores every execution as DescribeExecution reports it", async () => {
    const rows = await q<Record<string, unknown>>(
      `SELECT r.execution_arn, r.public_id, r.name, r.status, r.started_at, r.stopped_at, r.input, r.output, r.error,
              r.cause, r.redrive_count, r.redrive_date, r.redrive_status, r.last_event_id, r.history_complete
         FROM run r JOIN pipeline p ON p.id = r.pipeline_id WHERE p.source_id = $1 ORDER BY r.execution_arn`,
    );
    expect(
      rows.map((r) => ({
        ...r,
        started_at: isoOf(r.started_at),
        stopped_at: isoOf(r.stopped_at),
        redrive_date: isoOf(r.redrive_date),
      })),
    ).toEqual(
      [...EXECUTIONS]
        .sort((a, b) => (arnOf(a) < arnOf(b) ? -1 : 1))
        .map((x) => ({
          execution_arn: arnOf(x),
          public_id: publicIdFor(arnOf(x)),
          name: x.name,
          status: x.status,
          started_at: iso(x.start),
          stopped_at: x.stop === undefined ? null : iso(x.stop),
          input: x.input,
          output: x.output ?? null,
          error: x.error ?? null,
          cause: x.cause ?? null,
          redrive_count: x.redriveCount ?? 0,
          redrive_date: x.redriveDate === undefined ? null : iso(x.redriveDate),
          redrive_status: x.redriveStatus,
          last_event_id: x.events.length,
          // A running execution stays open; so would a finished one whose jobs are not all stored.
          history_complete: x.status !== "RUNNING",
        })),
    );
    // contract-guards' executions come in two ListExecutions pages; the 46-event history in five.
    expect(
      server.requests["sfn:ListExecutions"]?.filter((r) => r.stateMachineArn === smArn("contract-guards")),
    ).toHaveLength(2);
    const pages = server.requests["sfn:GetExecutionHistory"]?.filter(
      (r) => r.executionArn === executionArn("contract-training", "run-training"),
    );
    expect(pages?.length).toBe(5);
    expect(pages?.every((r) => r.reverseOrder === true)).toBe(true);
  });

  it("stores every history event exactly as received: id, previous id, type, time and its details member", async () => {
    const rows = await q<{
      execution_arn: string;
      event_id: number;
      previous_event_id: number | null;
      type: string;
      timestamp: Date;
      details: unknown;
    }>(
      `SELECT r.execution_arn, e.event_id, e.previous_event_id, e.type, e."timestamp", e.details
         FROM history_event e JOIN run r ON r.id = e.run_id JOIN pipeline p ON p.id = r.pipeline_id
        WHERE p.source_id = $1 ORDER BY r.execution_arn, e.event_id`,
    );
    const expected = [...EXECUTIONS]
      .sort((a, b) => (arnOf(a) < arnOf(b) ? -1 : 1))
      .flatMap((x) =>
        x.events.map((e) => {
          const member = Object.keys(e).find((k) => k.endsWith("EventDetails"));
          return {
            execution_arn: arnOf(x),
            event_id: e.id,
            previous_event_id: e.previousEventId,
            type: e.type,
            timestamp: new Date((e.timestamp as number) * 1000).toISOString(),
            details: member ? e[member] : null,
          };
        }),
      );
    expect(rows.map((r) => ({ ...r, timestamp: isoOf(r.timestamp) }))).toEqual(expected);
    // Truncated payloads stay truncated and say so; nothing is invented for absent details.
    const sparse = rows.filter((r) => r.execution_arn === executionArn("contract-guards", "run-sparse"));
    expect(sparse[0]?.details).toEqual({
      input: '{"features":[0.12,0.97,',
      inputDetails: { truncated: true },
      roleArn: `arn:aws:iam::${ACCOUNT}:role/stepwise-pipelines`,
    });
    expect(sparse.filter((r) => r.details === null).map((r) => r.type)).toEqual([
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
    ]);
  });

  it("derives the steps each history means", async () => {
    type Row = [
      string,
      string,
      string,
      string,
      number,
      number,
      number | null,
      string | null,
      number | null,
      number | null,
      number,
      string | null,
      string | null,
    ];
    // execution, key, type, status, attempts, entered, exited, parent, Map iteration, Parallel branch, depth, error, job
    const expected: Row[] = [
      ["run-aborted", "Fanout", "Parallel", "ABORTED", 1, 2, 20, null, null, null, 0, null, null],
      ["run-aborted", "Fanout{0}/Cooldown", "Wait", "ABORTED", 1, 4, 17, "Fanout", null, 0, 1, null, null],
      ["run-aborted", "Fanout{1}/PerMarket", "Map", "ABORTED", 1, 5, 16, "Fanout", null, 1, 1, null, null],
      [
        "run-aborted",
        "Fanout{1}/PerMarket[0]/Fit",
        "Task",
        "ABORTED",
        1,
        11,
        14,
        "Fanout{1}/PerMarket",
        0,
        null,
        2,
        null,
        null,
      ],
      ["run-aborted", "Fanout{2}/Batch", "Map", "ABORTED", 1, 6, 18, "Fanout", null, 2, 1, null, null],
      ["run-activities", "Approve", "Task", "SUCCEEDED", 4, 2, 13, null, null, null, 0, "Rejected", null],
      ["run-activities", "Cooldown", "Wait", "SUCCEEDED", 1, 30, 31, null, null, null, 0, null, null],
      ["run-activities", "Done", "Succeed", "SUCCEEDED", 1, 34, 35, null, null, null, 0, null, null],
      ["run-activities", "GoodEnough", "Choice", "SUCCEEDED", 1, 32, 33, null, null, null, 0, null, null],
      ["run-activities", "Normalise", "Pass", "SUCCEEDED", 1, 28, 29, null, null, null, 0, null, null],
      ["run-activities", "Score", "Task", "SUCCEEDED", 5, 14, 27, null, null, null, 0, "States.Timeout", null],
      [
        "run-evaluation-failed",
        "Check",
        "Pass",
        "FAILED",
        1,
        2,
        3,
        null,
        null,
        null,
        0,
        "States.QueryEvaluationError",
        null,
      ],
      ["run-map-redriven", "Evaluate", "Parallel", "CAUGHT", 1, 2, 23, null, null, null, 0, "ModelError", null],
      ["run-map-redriven", "Evaluate{0}/Baseline", "Pass", "SUCCEEDED", 1, 4, 6, "Evaluate", null, 0, 1, null, null],
      [
        "run-map-redriven",
        "Evaluate{1}/PerMarket",
        "Map",
        "FAILED",
        1,
        5,
        21,
        "Evaluate",
        null,
        1,
        1,
        "ModelError",
        null,
      ],
      [
        "run-map-redriven",
        "Evaluate{1}/PerMarket[0]/Fit",
        "Task",
        "SUCCEEDED",
        1,
        9,
        13,
        "Evaluate{1}/PerMarket",
        0,
        null,
        2,
        null,
        null,
      ],
      [
        "run-map-redriven",
        "Evaluate{1}/PerMarket[1]/Fit",
        "Task",
        "FAILED",
        1,
        16,
        19,
        "Evaluate{1}/PerMarket",
        1,
        null,
        2,
        "ModelError",
        null,
      ],
      // Failed, redriven: MapRunRedriven reopens the same Map state (no new MapStateEntered), which then succeeds.
      [
        "run-map-redriven",
        "ScoreAll",
        "Map",
        "SUCCEEDED",
        2,
        24,
        34,
        null,
        null,
        null,
        0,
        "States.ExceedToleratedFailureThreshold",
        null,
      ],
      // Only the named state: the unnamed TaskStateEntered (no details member) cannot be a step.
      ["run-sparse", "Prepare", "Pass", "SUCCEEDED", 1, 2, 3, null, null, null, 0, null, null],
      ["run-tasks", "Deploy", "Task", "CAUGHT", 1, 17, 21, null, null, null, 0, "Lambda.Unknown", null],
      ["run-tasks", "Failed", "Fail", "FAILED", 1, 22, 22, null, null, null, 0, "DeployFailed", null],
      [
        "run-tasks",
        "Fit",
        "Task",
        "SUCCEEDED",
        4,
        2,
        16,
        null,
        null,
        null,
        0,
        "States.HeartbeatTimeout",
        "fit-cross-2",
      ],
      ["run-timed-out", "Check", "Pass", "SUCCEEDED", 1, 2, 3, null, null, null, 0, null, null],
      ["run-timed-out", "Hold", "Wait", "TIMED_OUT", 1, 4, 5, null, null, null, 0, null, null],
      ["run-training", "BatchScore", "Task", "SUCCEEDED", 1, 40, 45, null, null, null, 0, null, "ctr-transform"],
      ["run-training", "Preprocess", "Task", "SUCCEEDED", 1, 2, 7, null, null, null, 0, null, "ctr-processing"],
      ["run-training", "TrainAll", "Parallel", "SUCCEEDED", 1, 8, 39, null, null, null, 0, null, null],
      [
        "run-training",
        "TrainAll{0}/Train",
        "Task",
        "SUCCEEDED",
        1,
        10,
        35,
        "TrainAll",
        null,
        0,
        1,
        null,
        "ctr-train-completed",
      ],
      [
        "run-training",
        "TrainAll{1}/TrainSpot",
        "Task",
        "SUCCEEDED",
        1,
        14,
        37,
        "TrainAll",
        null,
        1,
        1,
        null,
        "ctr-train-spot",
      ],
      ["run-training", "TrainAll{2}/StoppedOk", "Pass", "SUCCEEDED", 1, 32, 33, "TrainAll", null, 2, 1, null, null],
      [
        "run-training",
        "TrainAll{2}/TrainStopped",
        "Task",
        "CAUGHT",
        1,
        18,
        31,
        "TrainAll",
        null,
        2,
        1,
        "States.TaskFailed",
        "ctr-train-stopped",
      ],
      ["run-training", "TrainAll{3}/BrokenOk", "Pass", "SUCCEEDED", 1, 28, 29, "TrainAll", null, 3, 1, null, null],
      [
        "run-training",
        "TrainAll{3}/TrainBroken",
        "Task",
        "CAUGHT",
        1,
        22,
        27,
        "TrainAll",
        null,
        3,
        1,
        "SageMaker.AmazonSageMakerException",
        "ctr-train-failed",
      ],
      ["run-training-live", "Train", "Task", "RUNNING", 1, 2, null, null, null, null, 0, null, "ctr-train-inprogress"],
    ].map((r) => r as Row);
    const rows = await q<Record<string, unknown>>(
      `SELECT r.name AS run, s.key, s.state_type, s.status, s.attempts, s.entered_event_id, s.exited_event_id,
              s.parent_key, s.map_iteration_index, s.parallel_branch_index, s.depth, s.error, s.job_name,
              r.step_count
         FROM step s JOIN run r ON r.id = s.run_id JOIN pipeline p ON p.id = r.pipeline_id
        WHERE p.source_id = $1 ORDER BY r.name, s.key`,
    );
    expect(rows.map((r) => Object.values(r).slice(0, 13))).toEqual(expected);
    for (const r of rows) expect(r.step_count).toBe(expected.filter((e) => e[0] === r.run).length);
  });

  it("stores every SageMaker job as Describe*Job reports it, and the series as GetMetricData does", async () => {
    const rows = await q<Record<string, unknown>>(
      `SELECT j.name, j.kind, j.arn, j.status, j.secondary_status, j.failure_reason, j.hyper_parameters,
              j.algorithm_image, j.instance_type, j.instance_count, j.volume_size_gb, j.inputs, j.outputs,
              j.artifact_uri, j.billable_seconds, j.job_created_at, j.started_at, j.ended_at, j.status_transitions,
              j.series_state, s.key AS step, r.name AS run, j.next_poll_at IS NOT NULL AS polled
         FROM sagemaker_job j LEFT JOIN step s ON s.id = j.step_id LEFT JOIN run r ON r.id = j.run_id
        WHERE j.source_id = $1 ORDER BY j.name`,
    );
    /**
     * A training job's row: what its Describe answer says, the step that ran it, when it was created, started
     * and ended (epoch seconds; null: not yet / never), what it billed (null: nothing, and no model artifact)
     * and its series' state.
     */
    const training = (
      name: string,
      step: string,
      [created, started, ended]: [number, number | null, number | null],
      billed: number | null,
      seriesState: "COMPLETE" | "PENDING",
      extra: Record<string, unknown> = {},
    ) => {
      const d = DescribeTrainingJob[name] as JsonObject;
      const resources = d.ResourceConfig as JsonObject;
      return {
        name,
        kind: "TRAINING",
        arn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/${name}`,
        status: d.TrainingJobStatus,
        secondary_status: d.SecondaryStatus,
        failure_reason: d.FailureReason ?? null,
        hyper_parameters: { max_depth: "6", eta: "0.2", num_round: "120", objective: "binary:logistic" },
        algorithm_image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/returns-xgb:1.7-3`,
        instance_type: resources.InstanceType,
        instance_count: resources.InstanceCount,
        volume_size_gb: resources.VolumeSizeInGB,
        inputs: d.InputDataConfig,
        outputs: { S3OutputPath: "s3://ml-models/returns/" },
        status_transitions: epochToIso(d.SecondaryStatusTransitions),
        run: name === "ctr-train-inprogress" ? "run-training-live" : "run-training",
        polled: false,
        artifact_uri: billed === null ? null : `s3://ml-models/returns/${name}/output/model.tar.gz`,
        billable_seconds: billed,
        job_created_at: iso(created),
        started_at: started === null ? null : iso(started),
        ended_at: ended === null ? null : iso(ended),
        series_state: seriesState,
        step,
        ...extra,
      };
    };
    /** A processing or transform job's row: completed, nothing billed, no artifact, transitions or series. */
    const unbilled = (
      kind: "PROCESSING" | "TRANSFORM",
      name: string,
      step: string,
      [created, started, ended]: [number, number, number],
      fields: Record<string, unknown>,
    ) => ({
      name,
      kind,
      arn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${kind.toLowerCase()}-job/${name}`,
      status: "Completed",
      secondary_status: null,
      failure_reason: null,
      artifact_uri: null,
      billable_seconds: null,
      job_created_at: iso(created),
      started_at: iso(started),
      ended_at: iso(ended),
      status_transitions: [],
      series_state: null,
      step,
      run: "run-training",
      polled: false,
      ...fields,
    });
    const T = 28800;
    const p = DescribeProcessingJob["ctr-processing"] as JsonObject;
    const x = DescribeTransformJob["ctr-transform"] as JsonObject;
    expect(
      rows.map((r) => ({
        ...r,
        job_created_at: isoOf(r.job_created_at),
        started_at: isoOf(r.started_at),
        ended_at: isoOf(r.ended_at),
      })),
    ).toEqual([
      unbilled("PROCESSING", "ctr-processing", "Preprocess", [T + 1, T + 120, T + 590], {
        hyper_parameters: { WEEK: "2026-W22" },
        algorithm_image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/returns-features:12`,
        instance_type: "ml.m5.2xlarge",
        instance_count: 1,
        volume_size_gb: 40,
        inputs: p.ProcessingInputs,
        outputs: p.ProcessingOutputConfig,
      }),
      training("ctr-train-completed", "TrainAll{0}/Train", [T + 601, T + 700, T + 4150], 3450, "COMPLETE"),
      // Failed at creation: never started, nothing billed, no artifact (S3ModelArtifacts is "").
      training("ctr-train-failed", "TrainAll{3}/TrainBroken", [T + 601, null, T + 690], null, "COMPLETE"),
      // In progress: no end yet, polled again, its series still growing.
      training("ctr-train-inprogress", "Train", [86400 * 2 + 1, 86400 * 2 + 90, null], null, "PENDING", {
        polled: true,
      }),
      // Managed spot: billed 1344 s of 4480 s trained.
      training("ctr-train-spot", "TrainAll{1}/TrainSpot", [T + 601, T + 900, T + 5380], 1344, "COMPLETE"),
      training("ctr-train-stopped", "TrainAll{2}/TrainStopped", [T + 601, T + 720, T + 1490], 770, "COMPLETE"),
      unbilled("TRANSFORM", "ctr-transform", "BatchScore", [T + 5401, T + 5500, T + 5990], {
        hyper_parameters: { THRESHOLD: "0.5" },
        algorithm_image: null,
        instance_type: "ml.m5.large",
        instance_count: 2,
        volume_size_gb: null,
        inputs: [x.TransformInput],
        outputs: x.TransformOutput,
      }),
    ]);

    const metrics = await q<Record<string, unknown>>(
      `SELECT m.scope, m.name, m.value, j.name AS job, r.execution_arn FROM run_metric m
         LEFT JOIN sagemaker_job j ON j.id = m.job_id
         JOIN run r ON r.id = m.run_id JOIN pipeline p ON p.id = r.pipeline_id
        WHERE p.source_id = $1 ORDER BY m.scope, m.name`,
    );
    // The run's approximate cost (issue 19): written once its jobs have settled, equal to what the run page shows.
    const costs = metrics.filter((m) => m.name === RUN_COST_METRIC);
    expect(costs).toHaveLength(1);
    for (const c of costs) {
      const shown = await getRun({ id: String(c.execution_arn), payloads: false });
      expect(shown?.cost?.pricedJobs).toBeGreaterThan(0);
      expect(c).toMatchObject({ scope: "run", job: null });
      expect(c.value).toBeCloseTo(shown?.cost?.usd ?? Number.NaN, 9);
    }
    expect(metrics.filter((m) => m.name !== RUN_COST_METRIC).map(({ execution_arn: _, ...rest }) => rest)).toEqual([
      { scope: "ctr-train-completed", name: "train:loss", value: 0.212, job: "ctr-train-completed" },
      { scope: "ctr-train-completed", name: "validation:auc", value: 0.873, job: "ctr-train-completed" },
      { scope: "ctr-train-spot", name: "train:loss", value: 0.198, job: "ctr-train-spot" },
      { scope: "ctr-train-spot", name: "validation:auc", value: 0.881, job: "ctr-train-spot" },
      { scope: "ctr-train-stopped", name: "train:loss", value: 0.4, job: "ctr-train-stopped" },
      // The run's value for the metric-evolution graph: the mean of its training jobs' final values.
      { scope: "run", name: "train:loss", value: (0.212 + 0.198 + 0.4) / 3, job: null },
      { scope: "run", name: "validation:auc", value: (0.873 + 0.881) / 2, job: null },
    ]);

    const points = await q<{ job: string; name: string; step: number; value: number; timestamp: Date }>(
      `SELECT j.name AS job, mp.name, mp.step, mp.value, mp."timestamp"
         FROM metric_point mp JOIN sagemaker_job j ON j.id = mp.job_id WHERE j.source_id = $1
        ORDER BY j.name, mp.name, mp.step`,
    );
    const series = (job: string, name: string, list: [number, number][]) =>
      list.map(([offset, value], step) => ({ job, name, step, value, timestamp: iso(offset) }));
    expect(points.map((r) => ({ ...r, timestamp: isoOf(r.timestamp) }))).toEqual([
      // Two GetMetricData pages (NextToken), PartialData then Complete, merged in timestamp order.
      ...series("ctr-train-completed", "train:loss", [
        [T + 780, 0.61],
        [T + 1380, 0.42],
        [T + 1980, 0.33],
        [T + 2580, 0.27],
        [T + 4080, 0.212],
      ]),
      ...series("ctr-train-completed", "validation:auc", [
        [T + 780, 0.71],
        [T + 1380, 0.8],
        [T + 2580, 0.85],
        [T + 4080, 0.873],
      ]),
      ...series("ctr-train-inprogress", "train:loss", [
        [86400 * 2 + 180, 0.66],
        [86400 * 2 + 300, 0.51],
      ]),
      // validation:auc came back Forbidden: nothing stored for it, train:loss is.
      ...series("ctr-train-spot", "train:loss", [
        [T + 1500, 0.5],
        [T + 5340, 0.198],
      ]),
      ...series("ctr-train-stopped", "train:loss", [
        [T + 900, 0.7],
        [T + 1440, 0.4],
      ]),
    ]);
    // The Forbidden metric is logged, not fatal; the GetMetricData window covers the job's whole run.
    const asked = server.requests["cloudwatch:GetMetricData"]?.find((r) =>
      JSON.stringify(r).includes("ctr-train-completed/algo-1"),
    );
    expect(asked?.StartTime).toBeLessThanOrEqual(at(T + 601));
    expect(asked?.EndTime).toBeGreaterThanOrEqual(at(T + 4150));
    // Days after the job, 1-second data is gone: asked per minute, the Period CloudWatch still answers.
    expect(JSON.stringify(asked?.MetricDataQueries)).toContain('"Period":60');
    // …and the jobs say so, for the run page to write "means per minute, not per epoch".
    const periods = await q<{ name: string; series_period: number | null }>(
      `SELECT name, series_period FROM sagemaker_job WHERE source_id = $1 AND kind = 'TRAINING' ORDER BY name`,
    );
    expect(periods.filter((p) => p.series_period !== null).map((p) => [p.name, p.series_period])).toEqual([
      ["ctr-train-completed", 60],
      ["ctr-train-failed", 60],
      ["ctr-train-inprogress", 60],
      ["ctr-train-spot", 60],
      ["ctr-train-stopped", 60],
    ]);
  });

  it("stores the Map Runs of distributed Maps as DescribeMapRun answers them (redriven, aborted)", async () => {
    const rows = await q<Record<string, unknown>>(
      `SELECT r.name AS run, m.step_key, m.status, m.max_concurrency, m.tolerated_failure_percentage,
              m.item_counts->>'total' AS total, m.item_counts->>'aborted' AS aborted,
              m.item_counts->>'pending' AS pending, m.redrive_count, m.redrive_date IS NOT NULL AS redriven
         FROM map_run m JOIN run r ON r.id = m.run_id JOIN pipeline p ON p.id = r.pipeline_id
        WHERE p.source_id = $1 ORDER BY r.name`,
    );
    expect(rows).toEqual([
      {
        run: "run-aborted",
        step_key: "Fanout{2}/Batch",
        status: "ABORTED",
        max_concurrency: 40,
        tolerated_failure_percentage: 5,
        total: "100",
        aborted: "23",
        pending: "40",
        redrive_count: 0,
        redriven: false,
      },
      {
        run: "run-map-redriven",
        step_key: "ScoreAll",
        status: "SUCCEEDED",
        max_concurrency: 0,
        tolerated_failure_percentage: 0,
        total: "3",
        aborted: "0",
        pending: "0",
        redrive_count: 1,
        redriven: true,
      },
    ]);
  });

  it("gives up on the job in another account and shows it on the run", async () => {
    const backoff = await q<Record<string, unknown>>(
      `SELECT b.operation, b.object, b.reason, r.name AS run, b.gave_up_at IS NOT NULL AS gave_up
         FROM sync_backoff b LEFT JOIN run r ON r.id = b.run_id WHERE b.source_id = $1 ORDER BY b.operation, b.object`,
    );
    expect(backoff).toEqual([
      {
        operation: "sagemaker:DescribeTrainingJob",
        object: "fit-cross-2",
        reason: "elsewhere",
        run: "run-tasks",
        gave_up: true,
      },
    ]);
    expect(server.requests["sagemaker:DescribeTrainingJob"]?.map((r) => r.TrainingJobName)).not.toContain(
      "fit-cross-2",
    );
    const run = await getRun({ id: executionArn("contract-tasks", "run-tasks"), payloads: false });
    expect(run?.syncWarnings).toEqual([
      expect.objectContaining({
        operation: "sagemaker:DescribeTrainingJob",
        object: "fit-cross-2",
        reason: "elsewhere",
      }),
    ]);
    expect(run?.syncWarnings[0]?.message).toContain(`account ${OTHER_ACCOUNT}`);
  });

  it("stores the model registry and imports the model card", async () => {
    const groups = await q<Record<string, unknown>>(
      `SELECT g.name, g.arn, g.description, p.name AS pipeline, t.slug AS team, g.aws_created_at
         FROM model_group g LEFT JOIN pipeline p ON p.id = g.pipeline_id LEFT JOIN team t ON t.id = g.team_id
        WHERE g.source_id = $1`,
    );
    expect(groups.map((g) => ({ ...g, aws_created_at: isoOf(g.aws_created_at) }))).toEqual([
      {
        name: "returns-probability",
        arn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package-group/returns-probability`,
        description: "Probability that an order is returned",
        pipeline: "contract-training",
        team: "returns",
        aws_created_at: iso(-86400 * 60),
      },
    ]);
    const versions = await q<Record<string, unknown>>(
      `SELECT v.version, v.arn, v.approval_status, v.package_status, v.description, v.artifact_uri, v.image,
              j.name AS job, r.name AS run, v.metrics, v.aws_created_at
         FROM model_version v JOIN model_group g ON g.id = v.model_id LEFT JOIN sagemaker_job j ON j.id = v.job_id
         LEFT JOIN run r ON r.id = v.run_id WHERE g.source_id = $1 ORDER BY v.version`,
    );
    const image = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/returns-xgb:1.7-3`;
    expect(versions.map((v) => ({ ...v, aws_created_at: isoOf(v.aws_created_at) }))).toEqual([
      {
        version: 1,
        arn: packageArn(1),
        approval_status: "APPROVED",
        package_status: "Completed",
        description: "Trained on 2026-W22",
        artifact_uri: "s3://ml-models/returns/ctr-train-completed/output/model.tar.gz",
        image,
        // GeneratedBy names the training job; the job names the run.
        job: "ctr-train-completed",
        run: "run-training",
        metrics: {
          // As DescribeModelPackage answers them.
          ModelMetrics: (DescribeModelPackage[packageArn(1)] as JsonObject).ModelMetrics,
          CustomerMetadataProperties: { "validation:auc": "0.873" },
          MetadataProperties: {
            GeneratedBy: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/ctr-train-completed`,
          },
        },
        aws_created_at: iso(28800 + 6100),
      },
      {
        version: 2,
        arn: packageArn(2),
        approval_status: "PENDING_MANUAL_APPROVAL",
        package_status: "Completed",
        description: null,
        artifact_uri: "s3://ml-models/returns/ctr-train-spot/output/model.tar.gz",
        image,
        // No metadata: the default artifact path names the job.
        job: "ctr-train-spot",
        run: "run-training",
        metrics: { ModelMetrics: {}, CustomerMetadataProperties: {}, MetadataProperties: {} },
        aws_created_at: iso(28800 + 9000),
      },
    ]);
    // Both ListModelPackages pages were read.
    expect(server.calls["sagemaker:ListModelPackages"]).toBe(2);
    const cards = await q<Record<string, unknown>>(
      `SELECT v.version, c.status, c.imported_from, c.latest_revision, rev.content
         FROM model_card c JOIN model_version v ON v.id = c.model_version_id JOIN model_group g ON g.id = v.model_id
         JOIN model_card_revision rev ON rev.card_id = c.id WHERE g.source_id = $1`,
    );
    expect(cards).toEqual([
      {
        version: 1,
        status: "DRAFT",
        imported_from: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-card/returns-probability-card`,
        latest_revision: 1,
        content: expect.objectContaining({
          modelDescription: "Gradient-boosted trees predicting order returns",
          modelOwner: "team returns",
          problemType: "Binary Classification",
          algorithmType: "XGBoost",
          intendedUses: "Rank orders by return risk for the warehouse\n\nWeekly batch scoring",
          riskRating: "Low",
          trainingNotes: "Converged after 120 rounds",
          caveatsAndRecommendations: "Retrain when the return policy changes",
          sagemaker: CARD_CONTENT,
        }),
      },
    ]);
  });

  it("a second pass over the same payloads changes nothing and asks nothing about settled runs", async () => {
    const before = await dumpSource(source.id, { withIds: true });
    const calls = { ...server.calls };
    const [again] = await loadSources({ keys: [source.key] });
    await runSourcePass(again as AwsSource, { full: true, log: memoryLogger(), now: new Date(NOW.getTime() + 60_000) });
    expect(await dumpSource(source.id, { withIds: true })).toEqual(before);
    const delta = (op: string) => (server.calls[op] ?? 0) - (calls[op] ?? 0);
    // Only the running execution is asked about again (one history page); no settled run, no finished job.
    expect(delta("sfn:DescribeExecution")).toBe(0);
    expect(delta("sfn:GetExecutionHistory")).toBe(1);
    expect(delta("sagemaker:DescribeTrainingJob")).toBe(0);
  });
});
