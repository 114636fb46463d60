/**
 * Local AWS emulator for Stepwise: Step Functions + SageMaker (+ CloudWatch training metrics and the jobs'
 * CloudWatch Logs) on the real wire protocols, with live demo pipelines, deterministic mode and fault
 * injection.
 * `startEmulator()` is used in-process by `npm start`, by `npm run emulator`, and by tests.
 */

import { type Demo, installDemo } from "./demo/scheduler";
import { Gates } from "./integrations";
import type { LogsStore } from "./logs";
import { newMetricsStore } from "./metrics";
import { newSageMakerStore } from "./sagemaker";
import { createServer, type Faults, listen, type RuntimeConfig, type ServerContext } from "./server";
import { createStateMachine, type Execution, getExecution, type SfnEngine, type StateMachine } from "./sfn";
import { createRng, realClock } from "./util";

export { catalogue } from "./demo/catalogue";
export type { FaultRule, Faults } from "./server";

export interface EmulatorOptions {
  /** EMULATOR_PORT, default 4566; 0 picks a free port */
  port?: number;
  /** EMULATOR_HOST, default 127.0.0.1 */
  host?: string;
  /** EMULATOR_REGION, default eu-west-1 */
  region?: string;
  /** EMULATOR_ACCOUNT_ID, default 123456789012 */
  accountId?: string;
  /** EMULATOR_SEED, default "stepwise" */
  seed?: string;
  /** EMULATOR_TIME_SCALE: simulated seconds per real second, default 20 */
  timeScale?: number;
  /** EMULATOR_DEMO: register the demo catalogue, default true */
  demo?: boolean;
  /** EMULATOR_SCHEDULER: keep starting demo runs, default true (when demo) */
  scheduler?: boolean;
  /** EMULATOR_RUN_INTERVAL_MS: real ms between scheduled runs, default 45000 */
  runIntervalMs?: number;
  /** EMULATOR_BACKFILL_RUNS: past runs created on start, default 200 */
  backfillRuns?: number;
  /** EMULATOR_BACKFILL_DAYS: how far back the back-fill reaches, default 90 */
  backfillDays?: number;
  /** epoch ms the back-fill ends at (default: now); with a fixed seed the whole back-fill is then reproducible */
  backfillEnd?: number;
  /** back-fill these demo pipelines in turn (default: a weighted random pick per run) */
  backfillPipelines?: string[];
  /** EMULATOR_MAX_RUNNING: scheduler skips a tick when this many runs are live, default 6 */
  maxConcurrentRuns?: number;
  /** EMULATOR_FAULTS (JSON) */
  faults?: Faults;
  /** EMULATOR_TASK_MODE: "manual" holds every task until POST /__admin/executions/<arn>/advance */
  taskMode?: "auto" | "manual";
  /** EMULATOR_TOKEN_BUCKETS=1: AWS-like token-bucket throttling of Step Functions APIs */
  tokenBuckets?: boolean;
  /** EMULATOR_TOKEN_TTL_MS: pagination tokens expire after this, default 24 h (as AWS) */
  tokenTtlMs?: number;
  /** where log lines go, default console.log */
  log?: (message: string) => void;
  /** environment to read defaults from, default process.env */
  env?: Record<string, string | undefined>;
}

export interface RunningEmulator {
  url: string;
  port: number;
  region: string;
  accountId: string;
  /** closes the server, stops the scheduler and aborts nothing (in-memory state is just dropped) */
  stop(): Promise<void>;
  /** replaces the active fault rules ({} clears) */
  setFaults(faults: Faults): void;
  stats(): { calls: Record<string, number>; faults: Record<string, number> };
  /** starts one run of the named demo pipeline, or of every pipeline; returns execution ARNs */
  startDemoRun(pipeline?: string): string[];
  /** registers an extra state machine (tests, ad-hoc experiments) */
  createStateMachine(o: {
    name: string;
    definition: string;
    roleArn?: string;
    tags?: Record<string, string>;
    type?: "STANDARD" | "EXPRESS";
  }): StateMachine;
  /**
   * Drops an execution as Step Functions does once it is past its retention (90 days after it closed):
   * it leaves the listings and Describe/GetExecutionHistory answer ExecutionDoesNotExist.
   */
  expireExecution(executionArn: string): void;
  /** resolves when the execution's current attempt has finished */
  waitForExecution(executionArn: string): Promise<Execution>;
  config: RuntimeConfig;
  /** The jobs' CloudWatch Logs (tests append events with putLogEvents of ./logs). */
  logs: LogsStore;
}

function envNumber(v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

const envBool = (v: string | undefined) =>
  v === undefined || v === "" ? undefined : !["0", "false", "off", "no"].includes(v.toLowerCase());

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const env = options.env ?? process.env;
  // biome-ignore lint/suspicious/noConsole: the emulator's own CLI output (npm run emulator); the app passes its log.
  const log = options.log ?? ((m: string) => console.log(m));
  const region = options.region ?? env.EMULATOR_REGION ?? "eu-west-1";
  const accountId = options.accountId ?? env.EMULATOR_ACCOUNT_ID ?? "123456789012";
  const seed = options.seed ?? env.EMULATOR_SEED ?? "stepwise";
  let faults: Faults = options.faults ?? {};
  if (!options.faults && env.EMULATOR_FAULTS) {
    try {
      faults = JSON.parse(env.EMULATOR_FAULTS) as Faults;
    } catch {
      throw new Error('EMULATOR_FAULTS must be JSON, e.g. {"GetExecutionHistory":{"throttleRate":0.2}}');
    }
  }
  const config: RuntimeConfig = {
    timeScale: options.timeScale ?? envNumber(env.EMULATOR_TIME_SCALE) ?? 20,
    taskMode: options.taskMode ?? (env.EMULATOR_TASK_MODE === "manual" ? "manual" : "auto"),
    tokenBuckets: options.tokenBuckets ?? envBool(env.EMULATOR_TOKEN_BUCKETS) ?? false,
  };

  const sagemaker = newSageMakerStore(accountId, region);
  // With a back-fill that ends at a fixed date (tests), the account's present is that date plus the time since start.
  const offset = options.backfillEnd === undefined ? 0 : options.backfillEnd - Date.now();
  const metrics = newMetricsStore(() => Date.now() + offset);
  const gates = new Gates();
  let demo: Demo | undefined;
  const sfn: SfnEngine = {
    account: accountId,
    region,
    seq: 0,
    stateMachines: new Map(),
    executions: new Map(),
    mapRuns: new Map(),
    rng: createRng(seed, "sfn"),
    liveClock: realClock(() => config.timeScale),
    tokenTtlMs: options.tokenTtlMs ?? envNumber(env.EMULATOR_TOKEN_TTL_MS) ?? 24 * 3_600_000,
    onFinished: [],
    integrations: {
      sagemaker,
      metrics,
      gates,
      rng: createRng(seed, "integrations"),
      manual: () => config.taskMode === "manual",
      behaviour: (ctx) => demo?.behaviour(ctx),
    },
  };

  const withDemo = options.demo ?? envBool(env.EMULATOR_DEMO) ?? true;
  if (withDemo) {
    demo = installDemo(sfn, sagemaker, {
      seed,
      backfillRuns: options.backfillRuns ?? envNumber(env.EMULATOR_BACKFILL_RUNS) ?? 200,
      backfillDays: options.backfillDays ?? envNumber(env.EMULATOR_BACKFILL_DAYS) ?? 90,
      backfillEnd: options.backfillEnd,
      backfillPipelines: options.backfillPipelines,
      runIntervalMs: options.runIntervalMs ?? envNumber(env.EMULATOR_RUN_INTERVAL_MS) ?? 45_000,
      maxConcurrentRuns: options.maxConcurrentRuns ?? envNumber(env.EMULATOR_MAX_RUNNING) ?? 6,
      log,
    });
    await demo.backfill();
  }

  const ctx: ServerContext = {
    sfn,
    sagemaker,
    metrics,
    gates,
    config,
    faults,
    faultRng: createRng(seed, "faults"),
    stats: { calls: {}, faults: {} },
    startDemoRun: demo ? (p) => (demo as Demo).startRun(p) : undefined,
    regressDemoRun: demo ? (p) => (demo as Demo).regressNext(p) : undefined,
    log,
  };
  const server = createServer(ctx);
  const host = options.host ?? env.EMULATOR_HOST ?? "127.0.0.1";
  const port = await listen(server, options.port ?? envNumber(env.EMULATOR_PORT) ?? 4566, host);
  if (demo && (options.scheduler ?? envBool(env.EMULATOR_SCHEDULER) ?? true)) demo.start();

  return {
    url: `http://${host}:${port}`,
    port,
    region,
    accountId,
    config,
    logs: sagemaker.logs,
    async stop() {
      demo?.stop();
      for (const x of sfn.executions.values()) x.controller.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    setFaults(next) {
      for (const k of Object.keys(ctx.faults)) delete ctx.faults[k];
      Object.assign(ctx.faults, next);
    },
    stats: () => ctx.stats,
    startDemoRun(p) {
      if (!demo) throw new Error("the demo catalogue is not loaded (demo: false)");
      return demo.startRun(p);
    },
    createStateMachine: (o) => createStateMachine(sfn, o, Date.now()),
    expireExecution(arn) {
      const x = sfn.executions.get(arn);
      x?.controller.abort();
      sfn.executions.delete(arn);
    },
    async waitForExecution(arn) {
      const x = getExecution(sfn, arn);
      for (;;) {
        const done = x.done;
        await done;
        if (x.done === done) return x;
      }
    },
  };
}
