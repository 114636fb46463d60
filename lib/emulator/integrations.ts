/**
 * Step Functions service integrations, simulated: `sagemaker:createTrainingJob(.sync)`,
 * `createProcessingJob(.sync)`, `createTransformJob(.sync)`, `createModelPackage`, `lambda:invoke`.
 * Outputs are shaped like the real integrations (.sync returns the Describe* response with epoch-ms
 * timestamps, lambda:invoke returns `{ Payload, StatusCode, ... }`, errors are `SageMaker.*`,
 * `Lambda.*` or `States.TaskFailed` with the job description as cause).
 *
 * What a job does (duration, metric curves, failure) comes from a `Behaviour`: the demo catalogue
 * supplies one per pipeline so metrics tell a story; anything else gets the generic one below.
 */
import { StatesError, type TaskInvocation } from "./asl/interpreter";
import type { MetricsStore } from "./metrics";
import {
  createModelPackage,
  createSimpleJob,
  createTrainingJob,
  describeSimple,
  describeTraining,
  type Gate,
  type ModelPackage,
  type SageMakerStore,
  type SimpleJob,
  sfnTime,
  simulateSimpleJob,
  simulateTraining,
  type TrainingJob,
  type TrainingPlan,
} from "./sagemaker";
import { AbortedError, AwsError, isObject, type Json, type JsonObject, type Rng } from "./util";

export interface TaskContext {
  executionArn: string;
  executionName: string;
  stateMachineName: string;
  stateName: string;
  attempt: number;
  redriveCount: number;
  virtual: boolean;
}

export interface Behaviour {
  /** an error the create call itself returns (e.g. capacity), before any job exists */
  createError?(resourceName: string, parameters: Json, ctx: TaskContext): StatesError | undefined;
  trainingPlan?(job: TrainingJob, ctx: TaskContext): TrainingPlan | undefined;
  jobPlan?(job: SimpleJob, ctx: TaskContext): { seconds: number; failureReason?: string } | undefined;
  lambda?(functionName: string, payload: Json, ctx: TaskContext): Json | undefined;
  modelPackageCreated?(pkg: ModelPackage, ctx: TaskContext): void;
}

// ---------------------------------------------------------------------------------------------
// Manual mode: tasks hold before completing until a test says `advance`.

/** A held task released as a failure: its cause, and the error name (default Lambda.Unknown for a Lambda). */
export type GateFailure = { reason: string; error?: string };

interface Pending {
  id: number;
  stateName: string;
  since: number;
  resolve: (r: { fail?: GateFailure }) => void;
}

export class Gates {
  private pending = new Map<string, Pending[]>();
  private seq = 0;

  wait(executionArn: string, stateName: string, signal: AbortSignal): Promise<{ fail?: GateFailure }> {
    return new Promise((resolve, reject) => {
      const entry: Pending = { id: ++this.seq, stateName, since: Date.now(), resolve };
      const list = this.pending.get(executionArn) ?? [];
      list.push(entry);
      this.pending.set(executionArn, list);
      signal.addEventListener(
        "abort",
        () => {
          this.remove(executionArn, entry.id);
          reject(new AbortedError());
        },
        { once: true },
      );
    });
  }

  list(executionArn: string): { stateName: string; since: string }[] {
    return (this.pending.get(executionArn) ?? []).map((p) => ({
      stateName: p.stateName,
      since: new Date(p.since).toISOString(),
    }));
  }

  /** Releases the oldest held task (of `stateName`, if given). Returns false if none was waiting. */
  advance(executionArn: string, opts: { stateName?: string; fail?: GateFailure }): boolean {
    const list = this.pending.get(executionArn) ?? [];
    const entry = list.find((p) => !opts.stateName || p.stateName === opts.stateName);
    if (!entry) return false;
    this.remove(executionArn, entry.id);
    entry.resolve(opts.fail ? { fail: opts.fail } : {});
    return true;
  }

  private remove(executionArn: string, id: number): void {
    const list = (this.pending.get(executionArn) ?? []).filter((p) => p.id !== id);
    if (list.length) this.pending.set(executionArn, list);
    else this.pending.delete(executionArn);
  }
}

// ---------------------------------------------------------------------------------------------

export interface IntegrationEnv {
  sagemaker: SageMakerStore;
  metrics: MetricsStore;
  behaviour: (ctx: TaskContext) => Behaviour | undefined;
  rng: Rng;
  gates: Gates;
  manual: () => boolean;
}

const sdkMeta = (rng: Rng): JsonObject => ({
  SdkHttpMetadata: {
    AllHttpHeaders: { "Content-Type": ["application/x-amz-json-1.1"] },
    HttpHeaders: { "Content-Type": "application/x-amz-json-1.1" },
    HttpStatusCode: 200,
  },
  SdkResponseMetadata: { RequestId: rng.uuid() },
});

function asStatesError(e: unknown): never {
  if (e instanceof AwsError)
    throw new StatesError(
      `SageMaker.${e.type === "ResourceInUse" ? "ResourceInUseException" : "AmazonSageMakerException"}`,
      `${e.message} (Service: AmazonSageMaker; Status Code: 400; Error Code: ${e.type})`,
    );
  throw e;
}

export async function runIntegration(env: IntegrationEnv, inv: TaskInvocation, ctx: TaskContext): Promise<Json> {
  const behaviour = env.behaviour(ctx);
  const params = isObject(inv.parameters) ? inv.parameters : {};
  const gate: Gate | undefined =
    env.manual() && !ctx.virtual ? () => env.gates.wait(ctx.executionArn, ctx.stateName, inv.signal) : undefined;
  const createError = behaviour?.createError?.(inv.resourceName, inv.parameters, ctx);
  if (createError) throw createError;
  const sync = inv.resourceName.endsWith(".sync");
  const op = inv.resourceName.replace(/\.sync(:2)?$/, "").replace(/\.waitForTaskToken$/, "");

  if (inv.resourceType === "sagemaker") {
    const now = inv.clock.now();
    switch (op) {
      case "createTrainingJob": {
        let job: TrainingJob;
        try {
          job = createTrainingJob(env.sagemaker, params, now);
        } catch (e) {
          return asStatesError(e);
        }
        const plan = behaviour?.trainingPlan?.(job, ctx) ?? genericTrainingPlan(job, env.rng);
        const created = { TrainingJobArn: job.arn, ...sdkMeta(env.rng) };
        const run = simulateTraining(job, plan, env.metrics, inv.clock, inv.signal, gate);
        if (!sync) {
          run.catch(() => undefined);
          return created;
        }
        inv.submitted(created);
        await run;
        const description = describeTraining(job, sfnTime);
        if (job.status !== "Completed") throw new StatesError("States.TaskFailed", JSON.stringify(description));
        return description;
      }
      case "createProcessingJob":
      case "createTransformJob": {
        const kind = op === "createProcessingJob" ? "processing" : "transform";
        let job: SimpleJob;
        try {
          job = createSimpleJob(env.sagemaker, kind, params, now);
        } catch (e) {
          return asStatesError(e);
        }
        const plan = behaviour?.jobPlan?.(job, ctx) ?? {
          seconds: kind === "processing" ? 300 + env.rng.int(0, 300) : 400 + env.rng.int(0, 200),
        };
        const created = {
          [kind === "processing" ? "ProcessingJobArn" : "TransformJobArn"]: job.arn,
          ...sdkMeta(env.rng),
        };
        const run = simulateSimpleJob(job, plan.seconds, plan.failureReason, inv.clock, inv.signal, gate);
        if (!sync) {
          run.catch(() => undefined);
          return created;
        }
        inv.submitted(created);
        await run;
        const description = describeSimple(job, sfnTime);
        if (job.status !== "Completed") throw new StatesError("States.TaskFailed", JSON.stringify(description));
        return description;
      }
      case "createModelPackage": {
        await inv.clock.sleep(800, inv.signal);
        if (gate) await gate();
        let pkg: ModelPackage;
        try {
          pkg = createModelPackage(env.sagemaker, params, inv.clock.now());
        } catch (e) {
          return asStatesError(e);
        }
        behaviour?.modelPackageCreated?.(pkg, ctx);
        return { ModelPackageArn: pkg.arn, ...sdkMeta(env.rng) };
      }
      default:
        throw new StatesError(
          "States.Runtime",
          `The resource provided ${inv.resource} is not recognized by the emulator.`,
        );
    }
  }

  if (inv.resourceType === "lambda") {
    const functionName = typeof params.FunctionName === "string" ? params.FunctionName : inv.resourceName;
    const payload = inv.resourceName === "invoke" ? (params.Payload ?? null) : inv.parameters;
    await inv.clock.sleep(1000 + env.rng.int(0, 4000), inv.signal);
    if (gate) {
      const r = await gate();
      if (r.fail) throw new StatesError(r.fail.error ?? "Lambda.Unknown", r.fail.reason);
    }
    const result = behaviour?.lambda?.(functionName, payload, ctx) ?? { statusCode: 200, input: payload };
    // A Lambda *resource ARN* returns the bare payload; lambda:invoke wraps it like the SDK response.
    if (inv.resourceName !== "invoke") return result;
    return { ExecutedVersion: "$LATEST", Payload: result, ...sdkMeta(env.rng), StatusCode: 200 };
  }

  throw new StatesError("States.Runtime", `The resource provided ${inv.resource} is not supported by the emulator.`);
}

/** Plausible curves for jobs the demo did not plan: losses fall, everything else rises and saturates. */
export function genericTrainingPlan(job: TrainingJob, rng: Rng): TrainingPlan {
  const algo = isObject(job.request.AlgorithmSpecification) ? job.request.AlgorithmSpecification : {};
  const defs = Array.isArray(algo.MetricDefinitions) ? algo.MetricDefinitions.filter(isObject) : [];
  const names = defs.map((d) => String(d.Name ?? "")).filter(Boolean);
  const epochs = 12;
  const series: Record<string, number[]> = {};
  for (const n of names.length ? names : ["train:loss", "validation:loss"]) {
    const loss = /loss|error|rmse|mape|mae/i.test(n);
    series[n] = Array.from({ length: epochs }, (_, e) => {
      const progress = 1 - Math.exp(-(e + 1) / 4);
      const v = loss ? 1.2 - 0.8 * progress : 0.5 + 0.35 * progress;
      return Number((v + rng.normal() * 0.01).toFixed(5));
    });
  }
  return { phases: { starting: 120, downloading: 60, training: 600, uploading: 60 }, series };
}
