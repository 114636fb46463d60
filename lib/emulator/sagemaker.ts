/**
 * SageMaker: the in-memory registry of training / processing / transform jobs, model package groups,
 * model packages and model cards, the read (+ UpdateModelPackage) operations of the awsJson1_1 API,
 * and the job simulations Step Functions' service integrations drive (status transitions over
 * simulated time, per-epoch metrics, final metrics, billable time, failures, stop), including what each
 * job's container writes to CloudWatch Logs as its simulated time passes (the log hooks below: container
 * start, data, one line per epoch with the values the metrics carry, upload, and a failure's traceback).
 */
import { LOG_GROUPS, type LogsStore, newLogsStore, putLogEvents } from "./logs";
import { type MetricsStore, putTrainingPoint } from "./metrics";
import {
  AbortedError,
  AwsError,
  type Clock,
  createRng,
  isObject,
  type Json,
  type JsonObject,
  paginate,
  type Rng,
  type SortKey,
  str,
} from "./util";

export interface Transition {
  Status: string;
  StartTime: number;
  EndTime?: number;
  StatusMessage: string;
}

interface Base {
  seq: number;
  name: string;
  arn: string;
  creationTime: number;
  lastModifiedTime: number;
  status: string;
  failureReason?: string;
  request: JsonObject;
  /** Where the job's container writes its log lines (CloudWatch Logs); absent for jobs made outside a store. */
  log?: JobLog;
}

export interface TrainingJob extends Base {
  secondaryStatus: string;
  transitions: Transition[];
  startTime?: number;
  endTime?: number;
  finalMetrics: { MetricName: string; Value: number; Timestamp: number }[];
  billableSeconds?: number;
}
export interface SimpleJob extends Base {
  kind: "processing" | "transform";
  startTime?: number;
  endTime?: number;
}
export interface ModelPackageGroup {
  seq: number;
  name: string;
  arn: string;
  description: string;
  creationTime: number;
  tags: { Key: string; Value: string }[];
}
export interface ModelPackage {
  seq: number;
  group: string;
  version: number;
  arn: string;
  creationTime: number;
  lastModifiedTime: number;
  approval: string;
  approvalDescription?: string;
  request: JsonObject;
  customerMetadata: Record<string, string>;
}
export interface ModelCard {
  seq: number;
  name: string;
  arn: string;
  versions: { version: number; content: string; status: string; time: number }[];
  creationTime: number;
}

export interface SageMakerStore {
  account: string;
  region: string;
  seq: number;
  training: Map<string, TrainingJob>;
  jobs: Map<string, SimpleJob>;
  groups: Map<string, ModelPackageGroup>;
  packages: Map<string, ModelPackage>;
  cards: Map<string, ModelCard>;
  /** CloudWatch Logs of the jobs (served by logs.ts). */
  logs: LogsStore;
}

export const newSageMakerStore = (account: string, region: string): SageMakerStore => ({
  account,
  region,
  seq: 0,
  training: new Map(),
  jobs: new Map(),
  groups: new Map(),
  packages: new Map(),
  cards: new Map(),
  logs: newLogsStore(account, region),
});

const arn = (s: SageMakerStore, type: string, name: string) =>
  `arn:aws:sagemaker:${s.region}:${s.account}:${type}/${name.toLowerCase()}`;

const failure = (message: string) => new AwsError("ValidationException", message);
const notFound = (what: string) => new AwsError("ResourceNotFound", `${what} not found.`);

/** Which time representation to use: epoch seconds on the wire, epoch millis inside SFN task outputs. */
type TimeFmt = (ms: number | undefined) => number | undefined;
const wire: TimeFmt = (ms) => (ms === undefined ? undefined : ms / 1000);
export const sfnTime: TimeFmt = (ms) => ms;

function clean(o: Record<string, Json | undefined>): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as JsonObject;
}

// ---------------------------------------------------------------------------------------------
// Creation (called by the Step Functions integrations and the demo catalogue)

export function createTrainingJob(s: SageMakerStore, request: JsonObject, now: number): TrainingJob {
  const name = str(request, "TrainingJobName", true);
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) throw failure(`Invalid TrainingJobName: ${name}`);
  if (s.training.has(name))
    throw new AwsError(
      "ResourceInUse",
      `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn(s, "training-job", name)})`,
    );
  const job: TrainingJob = {
    seq: ++s.seq,
    name,
    arn: arn(s, "training-job", name),
    creationTime: now,
    lastModifiedTime: now,
    status: "InProgress",
    secondaryStatus: "Starting",
    transitions: [{ Status: "Starting", StartTime: now, StatusMessage: "Preparing the instances for training" }],
    finalMetrics: [],
    request,
    log: jobLog(s, "training", name),
  };
  s.training.set(name, job);
  return job;
}

export function createSimpleJob(
  s: SageMakerStore,
  kind: "processing" | "transform",
  request: JsonObject,
  now: number,
): SimpleJob {
  const field = kind === "processing" ? "ProcessingJobName" : "TransformJobName";
  const name = str(request, field, true);
  if (s.jobs.has(`${kind}/${name}`))
    throw new AwsError(
      "ResourceInUse",
      `Job name must be unique within an AWS account and region, and a job with this name already exists (${name})`,
    );
  const job: SimpleJob = {
    seq: ++s.seq,
    kind,
    name,
    arn: arn(s, `${kind}-job`, name),
    creationTime: now,
    lastModifiedTime: now,
    status: "InProgress",
    request,
    log: jobLog(s, kind, name),
  };
  s.jobs.set(`${kind}/${name}`, job);
  return job;
}

export function createModelPackageGroup(
  s: SageMakerStore,
  name: string,
  description: string,
  tags: Record<string, string>,
  now: number,
): ModelPackageGroup {
  const g: ModelPackageGroup = {
    seq: ++s.seq,
    name,
    arn: arn(s, "model-package-group", name),
    description,
    creationTime: now,
    tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
  s.groups.set(name, g);
  return g;
}

export function createModelPackage(s: SageMakerStore, request: JsonObject, now: number): ModelPackage {
  const group = str(request, "ModelPackageGroupName", true);
  if (!s.groups.has(group)) throw failure(`Model Package Group ${group} does not exist.`);
  const version = [...s.packages.values()].filter((p) => p.group === group).length + 1;
  const customerMetadata: Record<string, string> = {};
  if (isObject(request.CustomerMetadataProperties)) {
    for (const [k, v] of Object.entries(request.CustomerMetadataProperties)) customerMetadata[k] = String(v);
  }
  const p: ModelPackage = {
    seq: ++s.seq,
    group,
    version,
    arn: `${arn(s, "model-package", group)}/${version}`,
    creationTime: now,
    lastModifiedTime: now,
    approval: typeof request.ModelApprovalStatus === "string" ? request.ModelApprovalStatus : "PendingManualApproval",
    request,
    customerMetadata,
  };
  s.packages.set(p.arn, p);
  return p;
}

export function putModelCard(
  s: SageMakerStore,
  name: string,
  content: JsonObject,
  status: string,
  now: number,
): ModelCard {
  let card = s.cards.get(name);
  if (!card) {
    card = { seq: ++s.seq, name, arn: arn(s, "model-card", name), versions: [], creationTime: now };
    s.cards.set(name, card);
  }
  card.versions.push({ version: card.versions.length + 1, content: JSON.stringify(content), status, time: now });
  return card;
}

export function updateModelPackageApproval(
  p: ModelPackage,
  approval: string,
  description: string | undefined,
  now: number,
): void {
  p.approval = approval;
  p.approvalDescription = description;
  p.lastModifiedTime = now;
}

// ---------------------------------------------------------------------------------------------
// Log hooks: what a job's container writes to CloudWatch Logs. Stream names as SageMaker names them
// (training and processing `<job>/algo-1-<epoch seconds>`, transform `<job>/<instance id>-<epoch seconds>`
// and its `/data-log` twin), created at the first line. Every line is stamped with the job's clock (the
// simulated "now"), and the few random bits (instance id, ingestion delay, record counts) come from a
// stream seeded by the job's name, so the same run writes the same log.

type JobLogKind = keyof typeof LOG_GROUPS;

export interface JobLog {
  readonly rng: Rng;
  /** Appends lines at `at` to the job's main stream, or to the transform job's data-log stream. */
  write(at: number, lines: readonly string[], stream?: "main" | "data"): void;
}

function jobLog(s: SageMakerStore, kind: JobLogKind, name: string): JobLog {
  const rng = createRng(`${s.account}:${s.region}:${kind}:${name}`, "logs");
  const instance =
    kind === "transform" ? `i-${Array.from({ length: 17 }, () => rng.int(0, 15).toString(16)).join("")}` : "";
  let base: string | undefined;
  return {
    rng,
    write(at, lines, stream = "main") {
      base ??= `${name}/${kind === "transform" ? instance : "algo-1"}-${Math.floor(at / 1000)}`;
      putLogEvents(
        s.logs,
        LOG_GROUPS[kind],
        stream === "data" ? `${base}/data-log` : base,
        lines.map((message) => ({ timestamp: at, message, ingestionTime: at + rng.int(120, 900) })),
      );
    },
  };
}

/** "2026-11-30 14:03:12,345", the Python logging time the SageMaker toolkits print (UTC here). */
const toolkitTime = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace(".", ",").replace("Z", "");

const channels = (r: JsonObject): { name: string; uri: string }[] =>
  (Array.isArray(r.InputDataConfig) ? r.InputDataConfig.filter(isObject) : []).map((c) => {
    const source = isObject(c.DataSource) && isObject(c.DataSource.S3DataSource) ? c.DataSource.S3DataSource : {};
    return { name: String(c.ChannelName ?? "train"), uri: String(source.S3Uri ?? "") };
  });

/** "2 instances" (the type is on the job panel already). */
function instanceCount(config: unknown): string {
  const n = isObject(config) && typeof config.InstanceCount === "number" ? config.InstanceCount : 1;
  return `${n} instance${n === 1 ? "" : "s"}`;
}

function trainingStartLines(job: TrainingJob, at: number): string[] {
  const t = toolkitTime(at);
  const algo = isObject(job.request.AlgorithmSpecification) ? job.request.AlgorithmSpecification : {};
  return [
    "bash: cannot set terminal process group (-1): Inappropriate ioctl for device",
    "bash: no job control in this shell",
    `${t} sagemaker-training-toolkit INFO     Imported framework sagemaker_pytorch_container.training`,
    `${t} sagemaker-training-toolkit INFO     No Neurons detected (normal if no neurons installed)`,
    `${t} sagemaker-training-toolkit INFO     Image ${String(algo.TrainingImage ?? "unknown")}, current host algo-1`,
    ...channels(job.request).map(
      (c) =>
        `${t} sagemaker-training-toolkit INFO     Downloading channel ${c.name} from ${c.uri} to /opt/ml/input/data/${c.name}`,
    ),
  ];
}

function trainingScriptLines(job: TrainingJob, at: number, epochs: number): string[] {
  const t = toolkitTime(at);
  const rng = job.log?.rng;
  return [
    ...channels(job.request).map(
      (c) =>
        `${t} sagemaker-training-toolkit INFO     Channel ${c.name}: ${(rng ? rng.int(40_000, 4_000_000) : 0).toLocaleString("en")} records ready`,
    ),
    `${t} sagemaker-training-toolkit INFO     Invoking user script`,
    `Hyperparameters: ${JSON.stringify(isObject(job.request.HyperParameters) ? job.request.HyperParameters : {})}`,
    `Training for ${epochs} epoch${epochs === 1 ? "" : "s"} on algo-1`,
  ];
}

/** Per metric, the text its MetricDefinitions regex expects before the value ("val_loss=" from "val_loss=([0-9\\.]+)"). */
function metricLogPrefixes(request: JsonObject): Map<string, string> {
  const algo = isObject(request.AlgorithmSpecification) ? request.AlgorithmSpecification : {};
  const defs = Array.isArray(algo.MetricDefinitions) ? algo.MetricDefinitions.filter(isObject) : [];
  const out = new Map<string, string>();
  for (const d of defs) {
    if (typeof d.Name !== "string" || typeof d.Regex !== "string") continue;
    const head = d.Regex.split("(")[0] ?? "";
    if (head && !/[[\]{}*+?^$|]/.test(head.replace(/\\./g, ""))) out.set(d.Name, head.replace(/\\(.)/g, "$1"));
  }
  return out;
}

const SCRIPT: Record<JobLogKind, string> = {
  training: "/opt/ml/code/train.py",
  processing: "/opt/ml/processing/input/code/job.py",
  transform: "/opt/ml/model/code/inference.py",
};

/** A Python traceback whose last line is the job's FailureReason, as DescribeJob reports it. */
function failureLines(job: Base, kind: JobLogKind, at: number, reason: string): string[] {
  const script = SCRIPT[kind];
  const lines = [
    "Traceback (most recent call last):",
    `  File "${script}", line 214, in <module>`,
    "    main(parse_args())",
    `  File "${script}", line 187, in main`,
    kind === "training" ? "    trainer.fit(train_loader, val_loader, epochs=args.epochs)" : "    run(args)",
    `  File "${script}", line 96, in ${kind === "training" ? "fit" : "run"}`,
    kind === "training" ? "    loss = self.train_epoch(loader)" : "    frame = load_partition(args.input)",
    ...reason.split("\n"),
  ];
  if (kind !== "training") return lines;
  return [
    `${toolkitTime(at)} sagemaker-training-toolkit ERROR    Reporting training FAILURE for ${job.name}`,
    ...lines,
  ];
}

const stopLines = (at: number) => [
  `${toolkitTime(at)} sagemaker-toolkit WARNING  Received SIGTERM: the job was asked to stop`,
  "Stopping: saving no output",
];

function simpleStartLines(job: SimpleJob, at: number): string[] {
  const t = toolkitTime(at);
  const r = job.request;
  if (job.kind === "processing") {
    const app = isObject(r.AppSpecification) ? r.AppSpecification : {};
    const args = Array.isArray(app.ContainerArguments) ? app.ContainerArguments.map(String).join(" ") : "";
    const resources = isObject(r.ProcessingResources) ? r.ProcessingResources.ClusterConfig : undefined;
    const inputs = (Array.isArray(r.ProcessingInputs) ? r.ProcessingInputs.filter(isObject) : []).map((i) => {
      const s3 = isObject(i.S3Input) ? i.S3Input : {};
      return `${t} INFO Input ${String(i.InputName ?? "input")}: ${String(s3.S3Uri ?? "")} -> ${String(s3.LocalPath ?? "/opt/ml/processing/input")}`;
    });
    return [
      `${t} INFO Starting processing job ${job.name} on ${instanceCount(resources)}`,
      `${t} INFO Image ${String(app.ImageUri ?? "unknown")}, arguments: ${args || "(none)"}`,
      ...inputs,
    ];
  }
  return [
    `${t} INFO Starting the model server for ${String(r.ModelName ?? job.name)} on ${instanceCount(r.TransformResources)}`,
    `${t} INFO Model server started with ${job.log?.rng.int(2, 8) ?? 4} workers, listening on port 8080`,
    `${t} INFO /ping answered 200: ready for batch transform`,
  ];
}

function simpleEndLines(job: SimpleJob, at: number): void {
  const t = toolkitTime(at);
  const rng = job.log?.rng;
  const parts = rng?.int(4, 12) ?? 8;
  if (job.kind === "processing") {
    job.log?.write(at, [
      `${t} INFO Processed ${parts} partitions, ${(rng?.int(100_000, 9_000_000) ?? 0).toLocaleString("en")} rows`,
      `${t} INFO Outputs written to /opt/ml/processing/output`,
      `${t} INFO Processing complete`,
    ]);
    return;
  }
  const input = isObject(job.request.TransformInput) ? job.request.TransformInput : {};
  const source =
    isObject(input.DataSource) && isObject(input.DataSource.S3DataSource) ? input.DataSource.S3DataSource : {};
  const prefix = String(source.S3Uri ?? "s3://input/");
  job.log?.write(
    at,
    Array.from(
      { length: parts },
      (_, i) =>
        `${new Date(at).toISOString()}:[sagemaker logs]: ${prefix}${prefix.endsWith("/") ? "" : "/"}part-${String(i).padStart(5, "0")}.csv: ${(rng?.int(2_000, 90_000) ?? 0).toLocaleString("en")} records transformed`,
    ),
    "data",
  );
  job.log?.write(at, [`${t} INFO Batch transform complete: ${parts} objects`]);
}

// ---------------------------------------------------------------------------------------------
// Simulations. Durations are simulated seconds; `gate` lets tests hold a job until told to finish.

export interface TrainingPlan {
  phases: { starting: number; downloading: number; training: number; uploading: number };
  /** per-metric values, one per epoch */
  series: Record<string, number[]>;
  failure?: { atEpoch: number; reason: string };
}

export type Gate = () => Promise<{ fail?: { reason: string; error?: string } }>;

function transition(job: TrainingJob, status: string, message: string, now: number): void {
  const last = job.transitions[job.transitions.length - 1];
  if (last && last.EndTime === undefined) last.EndTime = now;
  job.transitions.push({ Status: status, StartTime: now, StatusMessage: message });
  job.secondaryStatus = status;
  job.lastModifiedTime = now;
}

function finish(job: TrainingJob, status: "Completed" | "Failed" | "Stopped", now: number, reason?: string): void {
  const messages = {
    Completed: "Training job completed",
    Failed: reason ?? "Training job failed",
    Stopped: "Training job stopped",
  };
  transition(job, status, messages[status], now);
  const last = job.transitions[job.transitions.length - 1];
  if (last) last.EndTime = now;
  job.status = status;
  job.failureReason = reason;
  job.endTime = now;
  if (job.startTime !== undefined) job.billableSeconds = Math.max(1, Math.round((now - job.startTime) / 1000));
}

export async function simulateTraining(
  job: TrainingJob,
  plan: TrainingPlan,
  metrics: MetricsStore,
  clock: Clock,
  signal: AbortSignal,
  gate?: Gate,
): Promise<void> {
  try {
    await clock.sleep(plan.phases.starting * 1000, signal);
    job.startTime = clock.now();
    transition(job, "Downloading", "Downloading input data", clock.now());
    job.log?.write(clock.now(), trainingStartLines(job, clock.now()));
    await clock.sleep(plan.phases.downloading * 1000, signal);
    transition(job, "Training", "Training image download completed. Training in progress.", clock.now());
    const names = Object.keys(plan.series);
    const epochs = Math.max(1, ...names.map((n) => plan.series[n]?.length ?? 0));
    job.log?.write(clock.now(), trainingScriptLines(job, clock.now(), epochs));
    const prefixes = metricLogPrefixes(job.request);
    // Sleep per epoch (at most 25 wake-ups) so a live run's loss curve grows while you watch.
    const step = Math.max(1, Math.ceil(epochs / 25));
    for (let e = 0; e < epochs; e++) {
      if (plan.failure && e === plan.failure.atEpoch) {
        job.log?.write(clock.now(), failureLines(job, "training", clock.now(), plan.failure.reason));
        finish(job, "Failed", clock.now(), plan.failure.reason);
        return;
      }
      if (e % step === 0) await clock.sleep(((plan.phases.training * 1000) / epochs) * step, signal);
      const values: string[] = [];
      for (const n of names) {
        const v = plan.series[n]?.[e];
        if (v !== undefined) {
          putTrainingPoint(metrics, job.name, n, { t: clock.now(), v });
          values.push(`${prefixes.get(n) ?? `${n}=`}${v}`);
        }
      }
      // What the metric definitions' regexes read: the same values the metrics above carry.
      job.log?.write(clock.now(), [`[epoch ${e + 1}/${epochs}] ${values.join(" ")}`.trimEnd()]);
      job.lastModifiedTime = clock.now();
    }
    if (gate) {
      const r = await gate();
      if (r.fail) {
        job.log?.write(clock.now(), failureLines(job, "training", clock.now(), r.fail.reason));
        finish(job, "Failed", clock.now(), r.fail.reason);
        return;
      }
    }
    transition(job, "Uploading", "Uploading generated training model", clock.now());
    job.log?.write(clock.now(), [
      `${toolkitTime(clock.now())} sagemaker-training-toolkit INFO     Saving the model to /opt/ml/model`,
      `${toolkitTime(clock.now())} sagemaker-training-toolkit INFO     Uploading the model artifacts to ${outputPath(job.request)}${job.name}/output/model.tar.gz`,
    ]);
    await clock.sleep(plan.phases.uploading * 1000, signal);
    job.finalMetrics = names.map((n) => {
      const series = plan.series[n] ?? [];
      return { MetricName: n, Value: series[series.length - 1] ?? 0, Timestamp: clock.now() };
    });
    job.log?.write(clock.now(), [
      `${toolkitTime(clock.now())} sagemaker-training-toolkit INFO     Reporting training SUCCESS`,
    ]);
    finish(job, "Completed", clock.now());
  } catch (e) {
    if (e instanceof AbortedError) {
      if (job.startTime !== undefined) job.log?.write(clock.now(), stopLines(clock.now()));
      transition(job, "Stopping", "Stopping the training job", clock.now());
      finish(job, "Stopped", clock.now());
    }
    throw e;
  }
}

export async function simulateSimpleJob(
  job: SimpleJob,
  seconds: number,
  failureReason: string | undefined,
  clock: Clock,
  signal: AbortSignal,
  gate?: Gate,
): Promise<void> {
  try {
    await clock.sleep(Math.min(seconds, 180) * 1000, signal);
    job.startTime = clock.now();
    job.lastModifiedTime = clock.now();
    job.log?.write(clock.now(), simpleStartLines(job, clock.now()));
    await clock.sleep(Math.max(0, seconds - 180) * 1000, signal);
    let reason = failureReason;
    if (gate) reason = (await gate()).fail?.reason ?? reason;
    if (reason) job.log?.write(clock.now(), failureLines(job, job.kind, clock.now(), reason));
    else simpleEndLines(job, clock.now());
    job.status = reason ? "Failed" : "Completed";
    job.failureReason = reason;
    job.endTime = clock.now();
    job.lastModifiedTime = clock.now();
  } catch (e) {
    if (e instanceof AbortedError) {
      if (job.startTime !== undefined) job.log?.write(clock.now(), stopLines(clock.now()));
      job.status = "Stopped";
      job.endTime = clock.now();
      job.lastModifiedTime = clock.now();
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Descriptions (shared by the API and by .sync task outputs)

export function describeTraining(j: TrainingJob, t: TimeFmt = wire): JsonObject {
  const r = j.request;
  const out = clean({
    TrainingJobName: j.name,
    TrainingJobArn: j.arn,
    ModelArtifacts: {
      S3ModelArtifacts: j.status === "Completed" ? `${outputPath(r)}${j.name}/output/model.tar.gz` : "",
    },
    TrainingJobStatus: j.status,
    SecondaryStatus: j.secondaryStatus,
    FailureReason: j.failureReason,
    HyperParameters: r.HyperParameters,
    AlgorithmSpecification: r.AlgorithmSpecification,
    RoleArn: r.RoleArn,
    InputDataConfig: r.InputDataConfig,
    OutputDataConfig: r.OutputDataConfig,
    ResourceConfig: r.ResourceConfig,
    StoppingCondition: r.StoppingCondition ?? { MaxRuntimeInSeconds: 86400 },
    CreationTime: t(j.creationTime),
    TrainingStartTime: t(j.startTime),
    TrainingEndTime: t(j.endTime),
    LastModifiedTime: t(j.lastModifiedTime),
    SecondaryStatusTransitions: j.transitions.map((x) =>
      clean({ Status: x.Status, StartTime: t(x.StartTime), EndTime: t(x.EndTime), StatusMessage: x.StatusMessage }),
    ),
    FinalMetricDataList: j.finalMetrics.map((m) => ({
      MetricName: m.MetricName,
      Value: m.Value,
      Timestamp: t(m.Timestamp) ?? 0,
    })),
    EnableNetworkIsolation: false,
    EnableInterContainerTrafficEncryption: false,
    EnableManagedSpotTraining: false,
    TrainingTimeInSeconds: j.billableSeconds,
    BillableTimeInSeconds: j.billableSeconds,
    Environment: r.Environment,
  });
  return out;
}

function outputPath(r: JsonObject): string {
  const o =
    isObject(r.OutputDataConfig) && typeof r.OutputDataConfig.S3OutputPath === "string"
      ? r.OutputDataConfig.S3OutputPath
      : "s3://stepwise-demo/output";
  return o.endsWith("/") ? o : `${o}/`;
}

export function describeSimple(j: SimpleJob, t: TimeFmt = wire): JsonObject {
  const r = j.request;
  if (j.kind === "processing") {
    return clean({
      ...r,
      ProcessingJobName: j.name,
      ProcessingJobArn: j.arn,
      ProcessingJobStatus: j.status,
      FailureReason: j.failureReason,
      ExitMessage: j.failureReason,
      ProcessingStartTime: t(j.startTime),
      ProcessingEndTime: t(j.endTime),
      CreationTime: t(j.creationTime),
      LastModifiedTime: t(j.lastModifiedTime),
      Tags: undefined,
    });
  }
  return clean({
    ...r,
    TransformJobName: j.name,
    TransformJobArn: j.arn,
    TransformJobStatus: j.status,
    FailureReason: j.failureReason,
    TransformStartTime: t(j.startTime),
    TransformEndTime: t(j.endTime),
    CreationTime: t(j.creationTime),
    Tags: undefined,
  });
}

function describePackage(p: ModelPackage): JsonObject {
  const r = p.request;
  return clean({
    ModelPackageName: p.group,
    ModelPackageGroupName: p.group,
    ModelPackageVersion: p.version,
    ModelPackageArn: p.arn,
    ModelPackageDescription: r.ModelPackageDescription,
    CreationTime: wire(p.creationTime),
    InferenceSpecification: r.InferenceSpecification,
    ModelPackageStatus: "Completed",
    ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
    CertifyForMarketplace: false,
    ModelApprovalStatus: p.approval,
    ApprovalDescription: p.approvalDescription,
    MetadataProperties: r.MetadataProperties,
    ModelMetrics: r.ModelMetrics,
    CustomerMetadataProperties: Object.keys(p.customerMetadata).length > 0 ? p.customerMetadata : undefined,
    Domain: r.Domain,
    Task: r.Task,
    LastModifiedTime: wire(p.lastModifiedTime),
  });
}

// ---------------------------------------------------------------------------------------------
// The SageMaker API

export interface ListContext {
  tokenTtlMs: number;
}

function timeFilter(body: JsonObject, prefix: string, ms: number): boolean {
  const after = body[`${prefix}After`];
  const before = body[`${prefix}Before`];
  if (typeof after === "number" && ms <= after * 1000) return false;
  if (typeof before === "number" && ms >= before * 1000) return false;
  return true;
}

/** The List…Jobs operations: named by the job, filtered by StatusEquals, oldest first unless SortOrder says. */
type ListedJob = { seq: number; creationTime: number; name: string; status: string };
function listJobs<T extends ListedJob>(items: Iterable<T>, body: JsonObject, op: string, ctx: ListContext) {
  return list(
    items,
    body,
    op,
    ctx,
    (j) => j.name,
    (j) => j.status,
    "Ascending",
  );
}

function list<T extends { seq: number; creationTime: number }>(
  items: Iterable<T>,
  body: JsonObject,
  op: string,
  ctx: ListContext,
  nameOf: (item: T) => string,
  statusOf?: (item: T) => string,
  defaultOrder: "Ascending" | "Descending" = "Descending",
): { page: T[]; nextToken?: string } {
  const sortBy = typeof body.SortBy === "string" ? body.SortBy : "CreationTime";
  const order = typeof body.SortOrder === "string" ? body.SortOrder : defaultOrder;
  const keyFn: ((item: T) => string | number) | undefined =
    sortBy === "CreationTime"
      ? (i) => i.creationTime
      : sortBy === "Name"
        ? nameOf
        : sortBy === "Status"
          ? statusOf
          : undefined;
  if (!keyFn) throw failure(`Value '${sortBy}' at 'sortBy' failed to satisfy constraint`);
  const nameContains = typeof body.NameContains === "string" ? body.NameContains.toLowerCase() : undefined;
  const filtered = [...items].filter(
    (i) =>
      timeFilter(body, "CreationTime", i.creationTime) &&
      (!nameContains || nameOf(i).toLowerCase().includes(nameContains)),
  );
  const max = typeof body.MaxResults === "number" ? body.MaxResults : undefined;
  if (max !== undefined && (max < 1 || max > 100))
    throw failure("Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100");
  return paginate({
    items: filtered,
    key: (i): SortKey => [keyFn(i), i.seq],
    descending: order === "Descending",
    maxResults: max,
    defaultMax: 10,
    limit: 100,
    token: typeof body.NextToken === "string" ? body.NextToken : undefined,
    scope: `${op}:${sortBy}:${order}`,
    ttlMs: ctx.tokenTtlMs,
    invalidToken: (m) => failure(m),
  });
}

const withToken = (o: JsonObject, token?: string): JsonObject => (token ? { ...o, NextToken: token } : o);

function findCard(s: SageMakerStore, nameOrArn: string): ModelCard {
  const card = s.cards.get(nameOrArn) ?? [...s.cards.values()].find((c) => c.arn === nameOrArn);
  if (!card) throw notFound(`Model card ${nameOrArn}`);
  return card;
}

function findPackage(s: SageMakerStore, nameOrArn: string): ModelPackage {
  const p = s.packages.get(nameOrArn);
  if (!p) throw failure(`ModelPackage ${nameOrArn} does not exist.`);
  return p;
}

export function sageMakerOp(
  s: SageMakerStore,
  op: string,
  body: JsonObject,
  ctx: ListContext,
  now: number,
): JsonObject {
  switch (op) {
    case "ListTrainingJobs": {
      const status = str(body, "StatusEquals");
      const items = [...s.training.values()].filter(
        (j) => (!status || j.status === status) && timeFilter(body, "LastModifiedTime", j.lastModifiedTime),
      );
      const { page, nextToken } = listJobs(items, body, op, ctx);
      return withToken(
        {
          TrainingJobSummaries: page.map((j) =>
            clean({
              TrainingJobName: j.name,
              TrainingJobArn: j.arn,
              CreationTime: wire(j.creationTime),
              TrainingEndTime: wire(j.endTime),
              LastModifiedTime: wire(j.lastModifiedTime),
              TrainingJobStatus: j.status,
              SecondaryStatus: j.secondaryStatus,
            }),
          ),
        },
        nextToken,
      );
    }
    case "DescribeTrainingJob": {
      const j = s.training.get(str(body, "TrainingJobName", true));
      if (!j) throw notFound("Requested resource");
      return describeTraining(j);
    }
    case "ListProcessingJobs":
    case "ListTransformJobs": {
      const kind = op === "ListProcessingJobs" ? "processing" : "transform";
      const status = str(body, "StatusEquals");
      const items = [...s.jobs.values()].filter(
        (j) =>
          j.kind === kind &&
          (!status || j.status === status) &&
          timeFilter(body, "LastModifiedTime", j.lastModifiedTime),
      );
      const { page, nextToken } = listJobs(items, body, op, ctx);
      const summaries = page.map((j) =>
        kind === "processing"
          ? clean({
              ProcessingJobName: j.name,
              ProcessingJobArn: j.arn,
              CreationTime: wire(j.creationTime),
              ProcessingEndTime: wire(j.endTime),
              LastModifiedTime: wire(j.lastModifiedTime),
              ProcessingJobStatus: j.status,
              FailureReason: j.failureReason,
            })
          : clean({
              TransformJobName: j.name,
              TransformJobArn: j.arn,
              CreationTime: wire(j.creationTime),
              TransformEndTime: wire(j.endTime),
              LastModifiedTime: wire(j.lastModifiedTime),
              TransformJobStatus: j.status,
              FailureReason: j.failureReason,
            }),
      );
      return withToken(
        { [kind === "processing" ? "ProcessingJobSummaries" : "TransformJobSummaries"]: summaries },
        nextToken,
      );
    }
    case "DescribeProcessingJob":
    case "DescribeTransformJob": {
      const kind = op === "DescribeProcessingJob" ? "processing" : "transform";
      const name = str(body, kind === "processing" ? "ProcessingJobName" : "TransformJobName", true);
      const j = s.jobs.get(`${kind}/${name}`);
      if (!j) throw notFound("Requested resource");
      return describeSimple(j);
    }
    case "ListModelPackageGroups": {
      const { page, nextToken } = list(s.groups.values(), body, op, ctx, (g) => g.name);
      return withToken(
        {
          ModelPackageGroupSummaryList: page.map((g) => ({
            ModelPackageGroupName: g.name,
            ModelPackageGroupArn: g.arn,
            ModelPackageGroupDescription: g.description,
            CreationTime: wire(g.creationTime) ?? 0,
            ModelPackageGroupStatus: "Completed",
          })),
        },
        nextToken,
      );
    }
    case "DescribeModelPackageGroup": {
      const name = str(body, "ModelPackageGroupName", true);
      const g = s.groups.get(name) ?? [...s.groups.values()].find((x) => x.arn === name);
      if (!g) throw failure(`ModelPackageGroup ${name} does not exist.`);
      return {
        ModelPackageGroupName: g.name,
        ModelPackageGroupArn: g.arn,
        ModelPackageGroupDescription: g.description,
        CreationTime: wire(g.creationTime) ?? 0,
        CreatedBy: {},
        ModelPackageGroupStatus: "Completed",
      };
    }
    case "ListModelPackages": {
      const group = str(body, "ModelPackageGroupName");
      // AWS: without a group, ModelPackageType defaults to UNVERSIONED, and every package here is versioned.
      const type = str(body, "ModelPackageType") ?? (group ? "Versioned" : "Unversioned");
      const approval = str(body, "ModelApprovalStatus");
      const items = [...s.packages.values()].filter(
        (p) =>
          type !== "Unversioned" &&
          (!group || p.group === group || s.groups.get(p.group)?.arn === group) &&
          (!approval || p.approval === approval),
      );
      const { page, nextToken } = list(items, body, op, ctx, (p) => p.group, undefined, "Ascending");
      return withToken(
        {
          ModelPackageSummaryList: page.map((p) =>
            clean({
              ModelPackageName: p.group,
              ModelPackageGroupName: p.group,
              ModelPackageVersion: p.version,
              ModelPackageArn: p.arn,
              ModelPackageDescription: p.request.ModelPackageDescription,
              CreationTime: wire(p.creationTime),
              ModelPackageStatus: "Completed",
              ModelApprovalStatus: p.approval,
            }),
          ),
        },
        nextToken,
      );
    }
    case "DescribeModelPackage":
      return describePackage(findPackage(s, str(body, "ModelPackageName", true)));
    case "UpdateModelPackage": {
      const p = findPackage(s, str(body, "ModelPackageArn", true));
      const approval = str(body, "ModelApprovalStatus");
      if (approval && !["Approved", "Rejected", "PendingManualApproval"].includes(approval)) {
        throw failure(`Value '${approval}' at 'modelApprovalStatus' failed to satisfy constraint`);
      }
      if (approval) updateModelPackageApproval(p, approval, str(body, "ApprovalDescription"), now);
      if (isObject(body.CustomerMetadataProperties)) {
        for (const [k, v] of Object.entries(body.CustomerMetadataProperties)) p.customerMetadata[k] = String(v);
      }
      if (Array.isArray(body.CustomerMetadataPropertiesToRemove)) {
        for (const k of body.CustomerMetadataPropertiesToRemove) delete p.customerMetadata[String(k)];
      }
      p.lastModifiedTime = now;
      return { ModelPackageArn: p.arn };
    }
    case "ListModelCards": {
      const status = str(body, "ModelCardStatus");
      const items = [...s.cards.values()].filter(
        (c) => !status || c.versions[c.versions.length - 1]?.status === status,
      );
      const { page, nextToken } = list(items, body, op, ctx, (c) => c.name);
      return withToken(
        {
          ModelCardSummaries: page.map((c) => {
            const v = c.versions[c.versions.length - 1];
            return {
              ModelCardName: c.name,
              ModelCardArn: c.arn,
              ModelCardStatus: v?.status ?? "Draft",
              CreationTime: wire(c.creationTime) ?? 0,
              LastModifiedTime: wire(v?.time) ?? 0,
            };
          }),
        },
        nextToken,
      );
    }
    case "DescribeModelCard": {
      const c = findCard(s, str(body, "ModelCardName", true));
      const wanted = typeof body.ModelCardVersion === "number" ? body.ModelCardVersion : undefined;
      const v = wanted === undefined ? c.versions[c.versions.length - 1] : c.versions.find((x) => x.version === wanted);
      if (!v) throw notFound(`Model card ${c.name} version ${wanted}`);
      return {
        ModelCardArn: c.arn,
        ModelCardName: c.name,
        ModelCardVersion: v.version,
        Content: v.content,
        ModelCardStatus: v.status,
        CreationTime: wire(c.creationTime) ?? 0,
        CreatedBy: { UserProfileName: "stepwise-demo" },
        LastModifiedTime: wire(v.time) ?? 0,
        LastModifiedBy: { UserProfileName: "stepwise-demo" },
        // ModelCardProcessingStatus only tracks a deletion (DeletePending … DeleteCompleted): absent here.
      };
    }
    case "ListTags": {
      const target = str(body, "ResourceArn", true);
      const g = [...s.groups.values()].find((x) => x.arn === target);
      return { Tags: g?.tags ?? [] };
    }
    default:
      throw new AwsError("UnknownOperationException", `Operation ${op} is not supported by this emulator`);
  }
}
