/**
 * The emulator against the AWS API references: for every operation the sync calls (and ListMapRuns /
 * DescribeMapRun), the raw JSON the emulator answers is compared with the payloads written from the
 * reference in lib/sync/contract/fixtures. Every member the emulator sends must be one the reference
 * defines (at that place, with that JSON type), the members the reference marks required must be there,
 * and enumerated values must be valid ones. Where the emulator disagreed (ModelCardProcessingStatus
 * "UnsetValue"), the emulator was fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractAccount } from "@/lib/sync/contract/fixtures";
import type { Json } from "@/lib/sync/contract/server";
import { hostMetricQuery, startTestEmulator } from "@/lib/sync/testing";
import type { RunningEmulator } from "./index";

type Shape = Map<string, string>;
/** String-to-string maps of the reference (keys are the user's): their entries are not members. */
const MAPS = new Set(["HyperParameters", "Environment", "CustomerMetadataProperties", "assignedVariables"]);

function shapeOf(value: Json | undefined, path = "", out: Shape = new Map()): Shape {
  if (Array.isArray(value)) {
    for (const item of value) shapeOf(item, `${path}[]`, out);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const at = `${path}.${k}`;
      out.set(at, Array.isArray(v) ? "array" : v === null ? "null" : typeof v);
      if (!MAPS.has(k)) shapeOf(v, at, out);
    }
  }
  return out;
}
const union = (values: Json[]) => {
  const out: Shape = new Map();
  for (const v of values) for (const [k, t] of shapeOf(v)) out.set(k, t);
  return out;
};

/** Members the reference defines that the fixtures happen not to show. */
const ALSO_IN_REFERENCE: Record<string, Record<string, string>> = {
  DescribeTrainingJob: {
    ".AlgorithmSpecification.EnableSageMakerMetricsTimeSeries": "boolean",
    ".Environment": "object",
  },
  DescribeProcessingJob: { ".AppSpecification.ContainerArguments": "array", ".FailureReason": "string" },
  DescribeTransformJob: { ".FailureReason": "string" },
  DescribeModelPackage: { ".MetadataProperties.ProjectId": "string", ".Domain": "string", ".Task": "string" },
  DescribeModelCard: { ".ModelCardProcessingStatus": "string" },
  DescribeExecution: { ".mapRunArn": "string" },
  ListExecutions: { ".executions[].mapRunArn": "string" },
};

/** Required members per the reference's Response Syntax / data type pages. */
const REQUIRED: Record<string, string[]> = {
  ListStateMachines: [
    ".stateMachines",
    ".stateMachines[].stateMachineArn",
    ".stateMachines[].name",
    ".stateMachines[].type",
    ".stateMachines[].creationDate",
  ],
  DescribeStateMachine: [".stateMachineArn", ".name", ".definition", ".roleArn", ".type", ".creationDate"],
  ListExecutions: [
    ".executions",
    ".executions[].executionArn",
    ".executions[].stateMachineArn",
    ".executions[].name",
    ".executions[].status",
    ".executions[].startDate",
  ],
  DescribeExecution: [".executionArn", ".stateMachineArn", ".status", ".startDate"],
  GetExecutionHistory: [
    ".events",
    ".events[].id",
    ".events[].timestamp",
    ".events[].type",
    ".events[].taskScheduledEventDetails.region",
    ".events[].taskScheduledEventDetails.parameters",
  ],
  DescribeTrainingJob: [
    ".TrainingJobName",
    ".TrainingJobArn",
    ".ModelArtifacts",
    ".ModelArtifacts.S3ModelArtifacts",
    ".TrainingJobStatus",
    ".SecondaryStatus",
    ".AlgorithmSpecification",
    ".ResourceConfig",
    ".StoppingCondition",
    ".CreationTime",
  ],
  DescribeProcessingJob: [
    ".ProcessingJobName",
    ".ProcessingResources",
    ".AppSpecification",
    ".ProcessingJobArn",
    ".ProcessingJobStatus",
    ".CreationTime",
  ],
  DescribeTransformJob: [
    ".TransformJobName",
    ".TransformJobArn",
    ".TransformJobStatus",
    ".ModelName",
    ".TransformInput",
    ".TransformResources",
    ".CreationTime",
  ],
  ListModelPackageGroups: [".ModelPackageGroupSummaryList"],
  ListModelPackages: [
    ".ModelPackageSummaryList",
    ".ModelPackageSummaryList[].ModelPackageArn",
    ".ModelPackageSummaryList[].CreationTime",
    ".ModelPackageSummaryList[].ModelPackageStatus",
  ],
  DescribeModelPackage: [".ModelPackageName", ".ModelPackageArn", ".CreationTime", ".ModelPackageStatus"],
  ListModelCards: [".ModelCardSummaries"],
  DescribeModelCard: [
    ".ModelCardArn",
    ".ModelCardName",
    ".ModelCardVersion",
    ".Content",
    ".ModelCardStatus",
    ".CreationTime",
    ".CreatedBy",
  ],
  GetMetricData: [".MetricDataResults"],
  DescribeMapRun: [
    ".mapRunArn",
    ".executionArn",
    ".status",
    ".startDate",
    ".maxConcurrency",
    ".toleratedFailurePercentage",
    ".toleratedFailureCount",
    ".itemCounts",
    ".executionCounts",
  ],
};

/** Enumerations of the reference, by member path. */
const ENUMS: Record<string, string[]> = {
  ".ModelCardProcessingStatus": [
    "DeleteInProgress",
    "DeletePending",
    "ContentDeleted",
    "ExportJobsDeleted",
    "DeleteCompleted",
    "DeleteFailed",
  ],
  ".ModelCardStatus": ["Draft", "PendingReview", "Approved", "Archived"],
  ".status": ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE", "ACTIVE", "DELETING"],
  ".redriveStatus": ["REDRIVABLE", "NOT_REDRIVABLE", "REDRIVABLE_BY_MAP_RUN"],
  ".TrainingJobStatus": ["InProgress", "Completed", "Failed", "Stopping", "Stopped"],
  ".MetricDataResults[].StatusCode": ["Complete", "InternalError", "PartialData", "Forbidden"],
};

function valuesAt(value: Json | undefined, path: string): Json[] {
  const parts = path.split(".").slice(1);
  let current: (Json | undefined)[] = [value];
  for (const part of parts) {
    const array = part.endsWith("[]");
    const key = array ? part.slice(0, -2) : part;
    current = current.flatMap((v) => {
      const next = v && typeof v === "object" && !Array.isArray(v) ? v[key] : undefined;
      return array ? (Array.isArray(next) ? next : []) : [next];
    });
  }
  return current.filter((v): v is Json => v !== undefined);
}

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ backfillRuns: 8 });
});
afterAll(async () => {
  await emu?.stop();
});

const TARGET: Record<string, string> = {
  sfn: "AWSStepFunctions",
  sagemaker: "SageMaker",
  cloudwatch: "GraniteServiceVersion20100801",
};
async function call(service: string, op: string, body: Record<string, Json>): Promise<Json> {
  const response = await fetch(emu.url, {
    method: "POST",
    headers: { "x-amz-target": `${TARGET[service]}.${op}`, "content-type": "application/x-amz-json-1.1" },
    body: JSON.stringify(body),
  });
  expect(response.status, `${op} answered ${response.status}`).toBe(200);
  return (await response.json()) as Json;
}

function expectConforms(op: string, answer: Json, reference: Json[]) {
  const allowed = union(reference);
  for (const [k, t] of Object.entries(ALSO_IN_REFERENCE[op] ?? {})) allowed.set(k, t);
  const sent = shapeOf(answer);
  const unknown = [...sent.keys()].filter((k) => !allowed.has(k));
  expect(unknown, `${op}: members the reference does not define`).toEqual([]);
  const mistyped = [...sent]
    .filter(([k, t]) => allowed.get(k) !== t)
    .map(([k, t]) => `${k}: ${t}, not ${allowed.get(k)}`);
  expect(mistyped, `${op}: JSON types`).toEqual([]);
  for (const required of REQUIRED[op] ?? []) {
    // A required member of an element only counts where its parent is present.
    const parent = required.slice(0, required.lastIndexOf("."));
    if (parent && valuesAt(answer, parent).length === 0) continue;
    expect(sent.has(required), `${op}: required ${required}`).toBe(true);
  }
  for (const [path, values] of Object.entries(ENUMS)) {
    for (const v of valuesAt(answer, path)) expect(values, `${op}: ${path} = ${String(v)}`).toContain(v);
  }
}

const fx = contractAccount();
const all = <T>(record: Record<string, T>) => Object.values(record) as Json[];

/** Calls `op` and checks the answer against every answer the fixtures give for `op` (a Describe… of each). */
async function callConforms(service: "sfn" | "sagemaker", op: string, body: Record<string, Json>) {
  const reference = (fx[service] as unknown as Record<string, Record<string, Json> | undefined>)[op];
  expect(reference, `${op}: the fixtures answer it`).toBeDefined();
  expectConforms(op, await call(service, op, body), all(reference ?? {}));
}

describe("the emulator answers as the AWS API references define", () => {
  it("Step Functions", async () => {
    const machines = (await call("sfn", "ListStateMachines", {})) as { stateMachines: { stateMachineArn: string }[] };
    expectConforms("ListStateMachines", machines as unknown as Json, fx.sfn.ListStateMachines);
    for (const m of machines.stateMachines) {
      await callConforms("sfn", "DescribeStateMachine", { stateMachineArn: m.stateMachineArn });
      await callConforms("sfn", "ListTagsForResource", { resourceArn: m.stateMachineArn });
      const listed = (await call("sfn", "ListExecutions", { stateMachineArn: m.stateMachineArn })) as {
        executions: { executionArn: string }[];
      };
      expectConforms(
        "ListExecutions",
        listed as unknown as Json,
        Object.values(fx.sfn.ListExecutions).filter(Array.isArray).flat(),
      );
      for (const x of listed.executions) {
        await callConforms("sfn", "DescribeExecution", { executionArn: x.executionArn });
        expectConforms(
          "GetExecutionHistory",
          await call("sfn", "GetExecutionHistory", { executionArn: x.executionArn, maxResults: 1000 }),
          [{ events: Object.values(fx.sfn.GetExecutionHistory).flat() }],
        );
        const runs = (await call("sfn", "ListMapRuns", { executionArn: x.executionArn })) as {
          mapRuns: { mapRunArn: string }[];
        };
        if (runs.mapRuns.length === 0) continue;
        expectConforms("ListMapRuns", runs as unknown as Json, Object.values(fx.sfn.ListMapRuns ?? {}).flat());
        for (const r of runs.mapRuns) {
          await callConforms("sfn", "DescribeMapRun", { mapRunArn: r.mapRunArn });
        }
      }
    }
  });

  it("SageMaker and CloudWatch", async () => {
    const sm = fx.sagemaker;
    const training = (await call("sagemaker", "ListTrainingJobs", { MaxResults: 100 })) as {
      TrainingJobSummaries: { TrainingJobName: string }[];
    };
    expect(training.TrainingJobSummaries.length).toBeGreaterThan(0);
    const query = (job: string) => hostMetricQuery(job, "train:loss");
    for (const j of training.TrainingJobSummaries) {
      await callConforms("sagemaker", "DescribeTrainingJob", { TrainingJobName: j.TrainingJobName });
      expectConforms(
        "GetMetricData",
        await call("cloudwatch", "GetMetricData", {
          StartTime: 0,
          EndTime: 4_000_000_000,
          ScanBy: "TimestampAscending",
          // Period 3600: answered whatever the window's age (a finer one from StartTime 0 gets no datapoints).
          MetricDataQueries: [
            { ...query(j.TrainingJobName), MetricStat: { ...query(j.TrainingJobName).MetricStat, Period: 3600 } },
          ],
        }),
        Object.values(fx.cloudwatch.GetMetricData).flat(),
      );
    }
    const processing = (await call("sagemaker", "ListProcessingJobs", { MaxResults: 100 })) as {
      ProcessingJobSummaries: { ProcessingJobName: string }[];
    };
    for (const j of processing.ProcessingJobSummaries) {
      await callConforms("sagemaker", "DescribeProcessingJob", { ProcessingJobName: j.ProcessingJobName });
    }
    const transform = (await call("sagemaker", "ListTransformJobs", { MaxResults: 100 })) as {
      TransformJobSummaries: { TransformJobName: string }[];
    };
    for (const j of transform.TransformJobSummaries) {
      await callConforms("sagemaker", "DescribeTransformJob", { TransformJobName: j.TransformJobName });
    }
    const groups = (await call("sagemaker", "ListModelPackageGroups", {})) as {
      ModelPackageGroupSummaryList: { ModelPackageGroupName: string; ModelPackageGroupArn: string }[];
    };
    expectConforms("ListModelPackageGroups", groups as unknown as Json, sm.ListModelPackageGroups);
    for (const g of groups.ModelPackageGroupSummaryList) {
      await callConforms("sagemaker", "ListTags", { ResourceArn: g.ModelPackageGroupArn });
      const packages = (await call("sagemaker", "ListModelPackages", {
        ModelPackageGroupName: g.ModelPackageGroupName,
      })) as { ModelPackageSummaryList: { ModelPackageArn: string }[] };
      expectConforms("ListModelPackages", packages as unknown as Json, Object.values(sm.ListModelPackages).flat());
      for (const p of packages.ModelPackageSummaryList) {
        await callConforms("sagemaker", "DescribeModelPackage", { ModelPackageName: p.ModelPackageArn });
      }
    }
    const cards = (await call("sagemaker", "ListModelCards", {})) as {
      ModelCardSummaries: { ModelCardName: string }[];
    };
    expectConforms("ListModelCards", cards as unknown as Json, sm.ListModelCards);
    expect(cards.ModelCardSummaries.length).toBeGreaterThan(0);
    for (const c of cards.ModelCardSummaries) {
      await callConforms("sagemaker", "DescribeModelCard", { ModelCardName: c.ModelCardName });
    }
  });
});
