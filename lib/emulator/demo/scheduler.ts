/**
 * Brings the catalogue to life: registers the pipelines (state machines with tags, model package
 * groups), decides what each run will do (metric targets that improve, drift and sometimes regress;
 * capacity errors that Retry absorbs; occasional job failures, later redriven), back-fills past
 * runs on a virtual clock so their history carries consistent past timestamps, and keeps starting
 * live runs on an interval.
 */
import { StatesError } from "../asl/paths";
import type { Behaviour, TaskContext } from "../integrations";
import {
  createModelPackageGroup,
  type ModelPackage,
  putModelCard,
  type SageMakerStore,
  updateModelPackageApproval,
} from "../sagemaker";
import { createStateMachine, type Execution, redriveExecution, type SfnEngine, startExecution } from "../sfn";
import { createRng, isObject, type Json, type JsonObject, type Rng, VirtualClock } from "../util";
import { catalogue, type DemoPipeline, type MetricModel } from "./catalogue";

/**
 * Random streams are keyed by what they decide about, never by the account: tests run the emulator on a
 * random account (to keep ARNs apart on a shared database) and must see the same demo history whatever it
 * is. Account ids in a label are replaced by the default account's, so the default demo is unchanged.
 */
const sameInEveryAccount = (label: string) => label.replace(/:\d{12}:/g, ":123456789012:");

export interface DemoOptions {
  seed: string;
  backfillRuns: number;
  backfillDays: number;
  /** epoch ms the back-fill ends at (4 hours before it); default: now. Tests fix it so history is a pure function of the seed. */
  backfillEnd?: number;
  /** back-fill these demo pipelines in turn instead of a weighted random pick (tests that need each shape) */
  backfillPipelines?: string[];
  runIntervalMs: number;
  maxConcurrentRuns: number;
  log: (message: string) => void;
}

interface RunPlan {
  pipeline: DemoPipeline;
  index: number;
  rng: Rng;
  /** final metric values of this run, per market ("" when not per market) */
  targets: (market: string) => Record<string, number>;
  failure?: { state: string; market?: string; reason: string; bothAttempts: boolean };
  capacityError: boolean;
  lambdaHiccup: boolean;
}

const SHORT: Record<string, string> = {
  "size-recommendation-training": "size-rec",
  "demand-forecast-per-market": "demand-fc",
  "return-probability": "returns-prob",
  "search-ranking-ltr": "search-ltr",
};

const CATEGORIES = ["shoes", "dresses", "jackets", "sportswear", "accessories", "beauty", "kids", "home"];

export interface Demo {
  behaviour(ctx: TaskContext): Behaviour | undefined;
  backfill(): Promise<void>;
  start(): void;
  stop(): void;
  startRun(pipelineName?: string): string[];
  /** The pipeline's next run regresses on every metric and does not fail (tests of alerts: POST /__admin/regress). */
  regressNext(pipelineName: string): void;
}

export function installDemo(sfn: SfnEngine, sagemaker: SageMakerStore, o: DemoOptions): Demo {
  const rng = createRng(o.seed, "demo");
  const plans = new Map<string, RunPlan>();
  const byStateMachine = new Map<string, DemoPipeline>();
  const runCounters = new Map<string, number>();
  const bestApproved = new Map<string, number>();
  const episodes = new Map<string, { from: number; to: number }[]>();
  /** Run indexes forced into a deep regression (regressNext). */
  const forced = new Map<string, Set<number>>();
  let timer: NodeJS.Timeout | undefined;
  const redriveTimers = new Set<NodeJS.Timeout>();

  const backfillEnd = o.backfillEnd ?? Date.now();
  const rotation = (o.backfillPipelines ?? []).map((name) => {
    const p = catalogue.find((c) => c.name === name);
    if (!p) throw new Error(`unknown demo pipeline '${name}' in backfillPipelines`);
    return p;
  });
  const created = backfillEnd - (o.backfillDays + 2) * 86_400_000;
  for (const p of catalogue) {
    const sm = createStateMachine(
      sfn,
      {
        name: p.name,
        definition: JSON.stringify(p.definition, null, 2),
        description: p.description,
        tags: {
          team: p.team,
          "stepwise:headline-metric": p.headlineMetric,
          "stepwise:model-package-group": p.modelPackageGroup,
          "stepwise:pipeline": p.name,
        },
      },
      created,
    );
    byStateMachine.set(sm.name, p);
    createModelPackageGroup(sagemaker, p.modelPackageGroup, p.description, { team: p.team }, created);
    const er = createRng(o.seed, `episodes:${p.name}`);
    // Regression episodes: stretches of runs where a data issue pulls the headline down.
    episodes.set(
      p.name,
      Array.from({ length: 4 }, () => {
        const from = er.int(15, 400);
        return { from, to: from + er.int(4, 14) };
      }),
    );
  }

  const scale = (m: MetricModel) => Math.abs(m.plateau - m.start);
  const target = (p: DemoPipeline, m: MetricModel, index: number, market: string, runRng: Rng): number => {
    const progress = 1 - Math.exp(-index / 140);
    let v = m.start + (m.plateau - m.start) * progress;
    v += 0.12 * scale(m) * Math.sin((2 * Math.PI * index) / 47 + p.name.length);
    const bad = m.higherIsBetter ? -1 : 1;
    if (episodes.get(p.name)?.some((e) => index >= e.from && index <= e.to)) v += bad * 0.45 * scale(m);
    if (forced.get(p.name)?.has(index)) v += bad * 1.5 * scale(m);
    if (market) {
      const h = [...market].reduce((a, c) => a + c.charCodeAt(0), 0);
      v += (((h % 7) - 3) / 3) * 0.25 * scale(m);
    }
    v += m.noise * runRng.normal();
    return Number(v.toFixed(5));
  };

  const planRun = (p: DemoPipeline): RunPlan => {
    const index = runCounters.get(p.name) ?? 0;
    runCounters.set(p.name, index + 1);
    const runRng = createRng(o.seed, `run:${p.name}:${index}`);
    const cache = new Map<string, Record<string, number>>();
    const plan: RunPlan = {
      pipeline: p,
      index,
      rng: runRng,
      targets: (market) => {
        let t = cache.get(market);
        if (!t) {
          const r = createRng(o.seed, `targets:${p.name}:${index}:${market}`);
          t = Object.fromEntries(p.metrics.map((m) => [m.name, target(p, m, index, market, r)]));
          cache.set(market, t);
        }
        return t;
      },
      capacityError: runRng.chance(0.12),
      lambdaHiccup: runRng.chance(0.08),
    };
    const roll = runRng.next();
    if (forced.get(p.name)?.has(index)) {
      plan.capacityError = false;
      plan.lambdaHiccup = false;
    } else if (roll < 0.05) {
      plan.failure = {
        state: "train",
        reason:
          "AlgorithmError: CUDA out of memory. Tried to allocate 2.50 GiB (GPU 0; 22.19 GiB total capacity; 19.87 GiB already allocated)",
        bothAttempts: true,
      };
      if (p.markets)
        plan.failure = {
          state: "train",
          market: runRng.pick(p.markets),
          reason: "ClientError: Not enough history for market: fewer than 52 weeks of sales after filtering",
          bothAttempts: runRng.chance(0.6),
        };
    } else if (roll < 0.075) {
      plan.failure = {
        state: "processing",
        reason: "ClientError: Input partition dt=latest is empty: upstream export did not finish",
        bothAttempts: true,
      };
    }
    return plan;
  };

  const planFor = (ctx: TaskContext): RunPlan | undefined => {
    const direct = plans.get(ctx.executionArn);
    if (direct) return direct;
    // Distributed Map children: find the parent's plan through the child state machine name.
    return undefined;
  };

  const metricsOfJob = (name: string): Record<string, number> => {
    const job = sagemaker.training.get(name);
    return Object.fromEntries((job?.finalMetrics ?? []).map((m) => [m.MetricName, m.Value]));
  };

  const evaluation = (
    p: DemoPipeline,
    metrics: Record<string, number>,
    ctx: TaskContext,
    jobName: string,
  ): JsonObject => ({
    headline: metrics[p.headlineMetric] ?? 0,
    metrics,
    customerMetadata: {
      ...Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, v.toFixed(5)])),
      "stepwise:headline-metric": p.headlineMetric,
      "stepwise:execution-arn": ctx.executionArn,
      "stepwise:training-job": jobName,
    },
  });

  const behaviourFor = (plan: RunPlan | undefined, p: DemoPipeline): Behaviour => ({
    createError: (resource, _params, ctx) => {
      if (
        plan?.capacityError &&
        resource.startsWith("createTrainingJob") &&
        ctx.attempt === 0 &&
        ctx.redriveCount === 0
      ) {
        return new StatesError(
          "SageMaker.AmazonSageMakerException",
          "The account-level service limit 'ml.g5.2xlarge for training job usage' is 4 Instances, with current utilization of 4 Instances and a request delta of 1 Instances. (Service: AmazonSageMaker; Status Code: 400; Error Code: ResourceLimitExceeded)",
        );
      }
      return undefined;
    },
    trainingPlan: (job, ctx) => {
      if (!plan) return undefined;
      const hp = isObject(job.request.HyperParameters) ? job.request.HyperParameters : {};
      const hpMarket = typeof job.request.TrainingJobName === "string" ? job.request.TrainingJobName : "";
      const market = p.markets?.find((m) => hpMarket.includes(`-${m}-`)) ?? "";
      const final = plan.targets(market);
      const r = createRng(o.seed, `epochs:${job.name}:${ctx.attempt}`);
      const epochs = Math.min(30, Number(hp.epochs ?? hp.num_round ?? 20) || 20);
      const series: Record<string, number[]> = {};
      for (const m of p.metrics) {
        const f = final[m.name] ?? m.plateau;
        const worse = f + (m.higherIsBetter ? -1 : 1) * 3 * scale(m);
        const k = 4;
        series[m.name] = Array.from({ length: epochs }, (_, e) => {
          const w = (Math.exp((-k * e) / Math.max(1, epochs - 1)) - Math.exp(-k)) / (1 - Math.exp(-k));
          const noise = e === epochs - 1 ? 0 : r.normal() * m.noise * 0.5;
          return Number((f + (worse - f) * w + noise).toFixed(5));
        });
      }
      const fail = plan.failure;
      const failing =
        fail?.state === "train" &&
        ctx.redriveCount === 0 &&
        (!fail.market || fail.market === market) &&
        (ctx.attempt === 0 || fail.bothAttempts);
      return {
        phases: {
          starting: r.int(90, 240),
          downloading: r.int(40, 120),
          training: r.int(900, 2400),
          uploading: r.int(30, 90),
        },
        series,
        failure: failing && fail ? { atEpoch: r.int(1, Math.max(1, epochs - 2)), reason: fail.reason } : undefined,
      };
    },
    jobPlan: (job, ctx) => {
      if (!plan) return undefined;
      const r = createRng(o.seed, `job:${job.name}:${ctx.attempt}`);
      const failing =
        plan.failure?.state === "processing" &&
        job.kind === "processing" &&
        ctx.stateName === "BuildFeatures" &&
        ctx.redriveCount === 0;
      return {
        seconds: job.kind === "processing" ? r.int(240, 900) : r.int(300, 720),
        failureReason: failing ? plan.failure?.reason : undefined,
      };
    },
    lambda: (fn, payload, ctx) => {
      if (plan?.lambdaHiccup && ctx.attempt === 0 && ctx.redriveCount === 0) {
        throw new StatesError(
          "Lambda.TooManyRequestsException",
          "Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException)",
        );
      }
      const name = fn.split(":").pop() ?? fn;
      const body = isObject(payload) ? payload : {};
      const jobName = typeof body.TrainingJobName === "string" ? body.TrainingJobName : "";
      const r = createRng(
        o.seed,
        `lambda:${sameInEveryAccount(ctx.executionArn)}:${ctx.stateName}:${sameInEveryAccount(JSON.stringify(payload))}`,
      );
      switch (name) {
        case "size-rec-evaluate":
        case "returns-collect-metrics":
        case "search-collect-metrics":
          return evaluation(p, metricsOfJob(jobName), ctx, jobName);
        case "demand-forecast-aggregate": {
          const run = typeof body.runName === "string" ? body.runName : "";
          const markets = Array.isArray(body.markets) ? body.markets.map(String) : [];
          const jobs = Array.isArray(body.trainingJobs) ? body.trainingJobs.map(String) : [];
          const per = jobs.map((j) => metricsOfJob(j));
          const avg: Record<string, number> = {};
          for (const m of p.metrics)
            avg[m.name] = Number((per.reduce((a, x) => a + (x[m.name] ?? 0), 0) / Math.max(1, per.length)).toFixed(5));
          return { ...evaluation(p, avg, ctx, `${run}-*`), markets: markets.length };
        }
        case "returns-fairness-audit":
          return {
            passed: r.chance(0.9),
            maxGroupDisparity: Number((0.02 + r.next() * 0.1).toFixed(4)),
            groups: ["age_band", "country", "device"],
          };
        case "search-score-shard":
          return { category: String(body.category ?? ""), scoredProducts: r.int(20_000, 400_000) };
        default:
          return { statusCode: 200 };
      }
    },
    modelPackageCreated: (pkg, ctx) => decideApproval(p, pkg, ctx),
  });

  const decideApproval = (p: DemoPipeline, pkg: ModelPackage, ctx: TaskContext) => {
    const r = createRng(o.seed, `approval:${sameInEveryAccount(pkg.arn)}`);
    const headline = Number(pkg.customerMetadata[p.headlineMetric]);
    const m = p.metrics.find((x) => x.name === p.headlineMetric);
    const best = bestApproved.get(p.name);
    const tolerance = m ? 0.15 * scale(m) : 0;
    const better =
      best === undefined || !m || (m.higherIsBetter ? headline >= best - tolerance : headline <= best + tolerance);
    const approval = better
      ? r.chance(0.8)
        ? "Approved"
        : "PendingManualApproval"
      : r.chance(0.5)
        ? "Rejected"
        : "PendingManualApproval";
    if (approval === "PendingManualApproval") return;
    updateModelPackageApproval(
      pkg,
      approval,
      approval === "Approved"
        ? "Auto-approved: headline metric within tolerance of the production model"
        : "Regressed against the approved model",
      pkg.creationTime + 60_000,
    );
    if (approval !== "Approved") return;
    bestApproved.set(
      p.name,
      m?.higherIsBetter === false ? Math.min(best ?? headline, headline) : Math.max(best ?? headline, headline),
    );
    if (p.modelCard)
      putModelCard(
        sagemaker,
        `${p.modelPackageGroup}-card`,
        modelCardContent(p, pkg, ctx),
        "Approved",
        pkg.creationTime + 120_000,
      );
  };

  const modelCardContent = (p: DemoPipeline, pkg: ModelPackage, ctx: TaskContext): JsonObject => {
    const jobName = pkg.customerMetadata["stepwise:training-job"] ?? "";
    const job = sagemaker.training.get(jobName);
    const metrics = p.metrics.map((m) => ({
      name: m.name,
      type: "number",
      value: Number(pkg.customerMetadata[m.name] ?? 0),
    }));
    const hp = job && isObject(job.request.HyperParameters) ? job.request.HyperParameters : {};
    const algo = job && isObject(job.request.AlgorithmSpecification) ? job.request.AlgorithmSpecification : {};
    return {
      model_overview: {
        model_description: p.description,
        model_owner: `team ${p.team}`,
        model_creator: "stepwise-demo pipeline",
        problem_type: p.name.includes("forecast")
          ? "Regression"
          : p.name.includes("ranking") || p.name.includes("size")
            ? "Ranking"
            : "Binary Classification",
        algorithm_type:
          String(algo.TrainingImage ?? "")
            .split("/")
            .pop() ?? "",
        model_artifact: [job ? `s3://stepwise-demo-ml/models/${job.name}/output/model.tar.gz` : ""],
        model_version: pkg.version,
      },
      intended_uses: {
        purpose_of_model: p.description,
        intended_uses:
          "Online inference behind the shop's product and checkout pages; not for individual credit or legal decisions.",
        factors_affecting_model_efficiency:
          "Seasonality (sales events), assortment changes, new markets with little history.",
        risk_rating: "Medium",
        explanations_for_risk_rating:
          "Customer-facing recommendations; errors cost returns and trust but are reversible.",
      },
      business_details: {
        business_problem: p.description,
        business_stakeholders: `${p.team} product team`,
        line_of_business: "E-commerce",
      },
      training_details: {
        objective_function: {
          function: { function: p.metrics[0]?.higherIsBetter ? "Maximize" : "Minimize", facet: p.headlineMetric },
          notes: "Headline metric used by the quality gate.",
        },
        training_observations: `Trained by ${ctx.executionArn}`,
        training_job_details: {
          training_arn: job?.arn ?? "",
          training_datasets: ["s3://stepwise-demo-ml/datasets/"],
          training_environment: { container_image: [String(algo.TrainingImage ?? "")] },
          training_metrics: metrics,
          hyper_parameters: Object.entries(hp).map(([name, value]) => ({ name, value: String(value) })),
        },
      },
      evaluation_details: [
        {
          name: "Holdout evaluation",
          evaluation_observation: "Evaluated on the most recent four weeks, never seen in training.",
          datasets: ["s3://stepwise-demo-ml/holdout/"],
          metric_groups: [{ name: "Validation", metric_data: metrics }],
        },
      ],
      additional_information: {
        ethical_considerations: "Audited for disparities across country, device and age band.",
        caveats_and_recommendations: "Retrain after large assortment changes; monitor the headline metric in Stepwise.",
        custom_details: { team: p.team, model_package_arn: pkg.arn },
      },
    };
  };

  const behaviour = (ctx: TaskContext): Behaviour | undefined => {
    const plan = planFor(ctx);
    const p = plan?.pipeline ?? byStateMachine.get(ctx.stateMachineName.split("/")[0] ?? "");
    return p ? behaviourFor(plan, p) : undefined;
  };

  const inputFor = (p: DemoPipeline, name: string, at: number): Json => {
    const day = new Date(at).toISOString().slice(0, 10);
    const input: JsonObject = {
      dataset: {
        train: `s3://stepwise-demo-ml/${p.name}/${day}/train/`,
        validation: `s3://stepwise-demo-ml/${p.name}/${day}/validation/`,
      },
      trigger: "schedule",
      runName: name,
    };
    if (p.markets) {
      input.markets = p.markets;
      input.forecastWeek = day;
    }
    if (p.name === "search-ranking-ltr") input.categories = CATEGORIES;
    return input;
  };

  const pickPipeline = (r: Rng): DemoPipeline => {
    const total = catalogue.reduce((a, p) => a + p.weight, 0);
    let x = r.next() * total;
    for (const p of catalogue) {
      x -= p.weight;
      if (x <= 0) return p;
    }
    return catalogue[0] as DemoPipeline;
  };

  const launch = (p: DemoPipeline, clock?: VirtualClock): Execution => {
    const at = clock?.now() ?? sfn.liveClock.now();
    const stamp = new Date(at).toISOString().replace(/[-:]/g, "").slice(0, 13).replace("T", "-");
    const name = `${SHORT[p.name] ?? p.name}-${stamp}-${rng.uuid().slice(0, 4)}`;
    const plan = planRun(p);
    const arn = `arn:aws:states:${sfn.region}:${sfn.account}:execution:${p.name}:${name}`;
    plans.set(arn, plan);
    return startExecution(sfn, {
      stateMachineArn: `arn:aws:states:${sfn.region}:${sfn.account}:stateMachine:${p.name}`,
      name,
      input: JSON.stringify(inputFor(p, name, at)),
      clock,
    });
  };

  const demo: Demo = {
    behaviour,
    async backfill() {
      if (o.backfillRuns <= 0) return;
      const end = backfillEnd - 4 * 3_600_000;
      const span = o.backfillDays * 86_400_000;
      const spacing = span / o.backfillRuns;
      const started = Date.now();
      for (let i = 0; i < o.backfillRuns; i++) {
        const t = end - span + i * spacing + rng.next() * spacing * 0.5;
        const clock = new VirtualClock(t);
        const p = rotation.length > 0 ? (rotation[i % rotation.length] as DemoPipeline) : pickPipeline(rng);
        const x = launch(p, clock);
        await clock.run(x.done);
        if (x.status === "FAILED" && rng.chance(0.6)) {
          const redriveAt = (x.stopDate ?? t) + rng.int(1, 6) * 3_600_000;
          if (redriveAt < end) {
            const c2 = new VirtualClock(redriveAt);
            redriveExecution(sfn, x.arn, c2);
            await c2.run(x.done);
          }
        }
        x.clock = sfn.liveClock;
      }
      o.log(`emulator: back-filled ${o.backfillRuns} runs over ${o.backfillDays} days in ${Date.now() - started} ms`);
    },
    start() {
      if (timer) return;
      const tick = () => {
        const running = [...sfn.executions.values()].filter((x) => x.status === "RUNNING" && !x.mapRunArn).length;
        if (running < o.maxConcurrentRuns) launch(pickPipeline(rng));
      };
      tick();
      timer = setInterval(tick, o.runIntervalMs);
      timer.unref();
      sfn.onFinished.push((x) => {
        // Live failures are redriven later now and then, like an on-call engineer would.
        if (!timer || x.status !== "FAILED" || x.clock.virtual || !plans.has(x.arn) || !rng.chance(0.5)) return;
        const t = setTimeout(() => {
          redriveTimers.delete(t);
          if (x.status === "FAILED") redriveExecution(sfn, x.arn);
        }, o.runIntervalMs * 2);
        t.unref();
        redriveTimers.add(t);
      });
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const t of redriveTimers) clearTimeout(t);
      redriveTimers.clear();
    },
    regressNext(pipelineName) {
      if (!catalogue.some((p) => p.name === pipelineName)) throw new Error(`unknown demo pipeline '${pipelineName}'`);
      const set = forced.get(pipelineName) ?? new Set<number>();
      set.add(runCounters.get(pipelineName) ?? 0);
      forced.set(pipelineName, set);
    },
    startRun(pipelineName) {
      const chosen = pipelineName ? catalogue.filter((p) => p.name === pipelineName) : catalogue;
      if (chosen.length === 0) throw new Error(`unknown demo pipeline '${pipelineName}'`);
      return chosen.map((p) => launch(p).arn);
    },
  };
  return demo;
}

export { catalogue };
