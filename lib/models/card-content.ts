/**
 * The card model: turns the lineage of one model version (pipeline → run → training job(s) → model
 * version, loaded by queries.ts) and the narrative of its latest revision into the sections of the card.
 * Pure (no database, no React), so the rules are unit-tested and the page, the print view, the PDF and
 * the API all show the same thing.
 *
 * Facts come from synced data only: datasets are the training job's input channels, the algorithm is
 * its image, thresholds are the pipeline's own quality gates (Choice states comparing a metric in its
 * ASL) unless the owners declared their own, slices are the training jobs of a Map over e.g. markets,
 * and cost is instance price × count × billable time from an approximate price table (pricing.ts).
 */
import { formatMetric } from "@/lib/format";
import { type Direction, metricDirection } from "@/lib/metrics/direction";
import { hourlyPrice, jobCost, PRICE_TABLE_NOTE } from "./pricing";
import {
  type ApprovalStatus,
  type CardStatus,
  type ComputeRow,
  type Curve,
  type MetricRow,
  type MetricThreshold,
  type ModelCardView,
  type RevisionSummary,
  readNarrative,
  type TeamRef,
  type VersionPoint,
} from "./schema";

export type CardJob = {
  id: number;
  name: string;
  arn: string;
  kind: string;
  status: string;
  stepKey: string | null;
  hyperParameters: unknown;
  algorithmImage: string | null;
  objectiveMetric: string | null;
  instanceType: string | null;
  instanceCount: number | null;
  inputs: unknown;
  artifactUri: string | null;
  billableSeconds: number | null;
  startedAt: Date | null;
  endedAt: Date | null;
};

export type CardLineage = {
  /** Origin of the card URL (NEXTAUTH_URL). */
  origin: string;
  model: {
    id: number;
    name: string;
    arn: string | null;
    description: string | null;
    /** By its slug (TeamRef): the numeric id stays in the database. */
    team: TeamRef | null;
    pipeline: { id: number; name: string; arn: string; definition: unknown; headlineMetric: string | null } | null;
    region: string | null;
  };
  version: {
    version: number;
    arn: string | null;
    approvalStatus: ApprovalStatus;
    artifactUri: string | null;
    image: string | null;
    /** model_version.metrics: { ModelMetrics, CustomerMetadataProperties, MetadataProperties }. */
    metrics: unknown;
    createdAt: Date;
    jobId: number | null;
  };
  run: {
    publicId: string;
    name: string;
    executionArn: string;
    status: string;
    startedAt: Date;
    stoppedAt: Date | null;
  } | null;
  jobs: CardJob[];
  primaryJobId: number | null;
  runMetrics: { scope: string; name: string; value: number }[];
  curves: Curve[];
  /** The Period (seconds) the primary job's series was read at (null: none read). */
  curvesPeriod: number | null;
  versions: {
    version: number;
    approvalStatus: ApprovalStatus;
    packageMetrics: unknown;
    runMetrics: Record<string, number> | null;
  }[];
  card: { status: CardStatus; latestRevision: number; importedFrom: string | null; updatedAt: Date } | null;
  revision: { revision: number; content: unknown; createdAt: Date } | null;
  inherited: { fromVersion: number; revision: number; content: unknown; importedFrom: string | null } | null;
  revisions: RevisionSummary[];
};

type JsonRecord = Record<string, unknown>;
const record = (v: unknown): JsonRecord => (v && typeof v === "object" && !Array.isArray(v) ? (v as JsonRecord) : {});
const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** Metric values of a version: the model package's own (CustomerMetadataProperties), then its run's. */
export function numericMetrics(
  packageMetrics: unknown,
  runMetrics: Record<string, number> | null,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, raw] of Object.entries(record(packageMetrics))) {
    if (key.startsWith("stepwise:") || key.includes("training-job") || key.includes("execution-arn")) continue;
    const value = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
    if (Number.isFinite(value)) out[key] = value;
  }
  for (const [key, value] of Object.entries(runMetrics ?? {})) {
    if (!(key in out) && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/** The metric a model is judged by: as registered with the package, the pipeline's headline, or a validation metric. */
export function headlineOf(
  packageMetrics: unknown,
  pipelineHeadline: string | null,
  available: string[],
): string | null {
  const declared = text(record(packageMetrics)["stepwise:headline-metric"]);
  if (declared) return declared;
  if (pipelineHeadline && available.includes(pipelineHeadline)) return pipelineHeadline;
  return available.find((m) => m.startsWith("validation:")) ?? available[0] ?? null;
}

/** Orders metric names: headline first, then validation, business, others, training. */
export function orderMetrics(names: string[], headline: string | null): string[] {
  const rank = (n: string) =>
    n === headline
      ? 0
      : n.startsWith("validation:") || n.startsWith("test:")
        ? 1
        : n.startsWith("business:")
          ? 2
          : n.startsWith("train:")
            ? 4
            : 3;
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const GATE_OPS: Record<string, ">=" | "<="> = {
  NumericGreaterThanEquals: ">=",
  NumericGreaterThan: ">=",
  NumericLessThanEquals: "<=",
  NumericLessThan: "<=",
};

/**
 * Thresholds a pipeline enforces itself: Choice rules (also inside And/Or/Not, Parallel branches and
 * Map processors) comparing a variable that names a metric, or the "headline" value, with a number.
 */
export function qualityGates(definition: unknown, headline: string | null, metricNames: string[]): MetricThreshold[] {
  const found = new Map<string, MetricThreshold>();
  const matchMetric = (variable: string): string | null => {
    const last = variable.split(".").pop() ?? "";
    if (/^headline$/i.test(last) && headline) return headline;
    return (
      metricNames.find((m) => variable.includes(m)) ??
      metricNames.find((m) => last === (m.split(":").pop() ?? m)) ??
      null
    );
  };
  const visitRule = (rule: JsonRecord) => {
    for (const key of ["And", "Or"]) {
      const list = rule[key];
      if (Array.isArray(list)) for (const r of list) visitRule(record(r));
    }
    if (rule.Not) visitRule(record(rule.Not));
    const variable = text(rule.Variable);
    if (!variable) return;
    for (const [op, symbol] of Object.entries(GATE_OPS)) {
      const value = rule[op];
      if (typeof value !== "number") continue;
      const metric = matchMetric(variable);
      if (metric && !found.has(metric)) found.set(metric, { metric, op: symbol, value });
    }
  };
  const visitStates = (states: unknown, depth: number) => {
    if (depth > 8) return;
    for (const state of Object.values(record(states))) {
      const s = record(state);
      if (s.Type === "Choice" && Array.isArray(s.Choices)) for (const c of s.Choices) visitRule(record(c));
      if (Array.isArray(s.Branches)) for (const b of s.Branches) visitStates(record(b).States, depth + 1);
      for (const key of ["Iterator", "ItemProcessor"]) if (s[key]) visitStates(record(s[key]).States, depth + 1);
    }
  };
  visitStates(record(definition).States, 0);
  return [...found.values()];
}

/** A problem type from the metrics a model is evaluated with, when the owners did not state one. */
export function inferProblemType(metricNames: string[]): string | null {
  const names = metricNames.map((m) => m.toLowerCase());
  const has = (re: RegExp) => names.some((n) => re.test(n));
  if (has(/ndcg|mrr|\bmap@|lambdarank|precision_at/)) return "Ranking";
  if (has(/pr_auc|roc_auc|\bauc\b|logloss|f1|recall|precision/)) return "Binary classification";
  if (has(/wape|mape|smape|quantile|forecast/)) return "Regression (forecasting)";
  if (has(/rmse|mae|mse|r2/)) return "Regression";
  if (has(/accuracy/)) return "Classification";
  return null;
}

/** "demand-fc-…-289a-de-01" in run "demand-fc-…-289a" → "de". */
export function sliceLabel(jobName: string, runName: string | null): string {
  let rest = runName && jobName.startsWith(runName) ? jobName.slice(runName.length) : jobName;
  rest = rest.replace(/^[-_]+/, "").replace(/[-_]\d+$/, "");
  return rest || jobName;
}

function imageName(image: string | null): string | null {
  if (!image) return null;
  return image.split("/").pop() ?? image;
}

function datasetsOf(jobs: CardJob[]) {
  const seen = new Set<string>();
  const out: { channel: string; uri: string | null; contentType: string | null }[] = [];
  for (const job of jobs) {
    const channels = Array.isArray(job.inputs) ? job.inputs : [];
    for (const raw of channels) {
      const c = record(raw);
      const source = record(c.DataSource);
      const uri =
        text(record(source.S3DataSource).S3Uri) ??
        text(record(source.FileSystemDataSource).DirectoryPath) ??
        text(record(source.DatasetDefinition).DataCatalogDefinition) ??
        null;
      const channel = text(c.ChannelName) ?? "input";
      const key = `${channel}\u0000${uri ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ channel, uri, contentType: text(c.ContentType) });
    }
  }
  return out;
}

/** Every S3 location under ModelMetrics (evaluation reports, bias, explainability), labelled by its path. */
function metricReports(metrics: unknown): { label: string; uri: string }[] {
  const out: { label: string; uri: string }[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (path.length > 5) return;
    const r = record(value);
    const uri = text(r.S3Uri);
    if (uri) out.push({ label: path.length ? `Evaluation report: ${path.join(" ")}` : "Evaluation report", uri });
    for (const [key, child] of Object.entries(r)) if (key !== "S3Uri") walk(child, [...path, key]);
  };
  walk(record(metrics).ModelMetrics, []);
  return out;
}

function percentChange(value: number, reference: number, direction: Direction): string | null {
  if (reference === 0) return null;
  const change = ((value - reference) / Math.abs(reference)) * 100;
  const better = direction === "higher" ? change > 0 : change < 0;
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  return `${sign}${Math.abs(change).toFixed(1)} % (${Math.abs(change) < 0.05 ? "unchanged" : better ? "better" : "worse"})`;
}

export function buildCardContent(l: CardLineage): ModelCardView {
  const own = l.revision;
  const source = own ? own.content : (l.inherited?.content ?? null);
  const narrative = readNarrative(source);
  const contentRecord = record(source);

  const versionValues = new Map(
    l.versions.map((v) => [v.version, numericMetrics(v.packageMetrics, v.runMetrics)] as const),
  );
  const runScope = Object.fromEntries(l.runMetrics.filter((m) => m.scope === "run").map((m) => [m.name, m.value]));
  const metrics = numericMetrics(record(l.version.metrics).CustomerMetadataProperties, runScope);
  const metricNames = Object.keys(metrics);
  const headline = headlineOf(
    record(l.version.metrics).CustomerMetadataProperties,
    l.model.pipeline?.headlineMetric ?? null,
    metricNames,
  );

  // ── thresholds: the owners' declared ones win over the pipeline's quality gates ──
  const gates = qualityGates(l.model.pipeline?.definition, headline, metricNames);
  const thresholdFor = (metric: string): MetricRow["threshold"] => {
    const declared = narrative.metricThresholds?.find((t) => t.metric === metric);
    if (declared) return { ...declared, source: "owner" };
    const gate = gates.find((t) => t.metric === metric);
    return gate ? { ...gate, source: "quality-gate" } : null;
  };
  const earlier = l.versions.filter((v) => v.version < l.version.version).sort((a, b) => b.version - a.version);
  const metricRows: MetricRow[] = orderMetrics(metricNames, headline).map((name) => {
    const value = metrics[name] ?? 0;
    const threshold = thresholdFor(name);
    const prev = earlier.find((v) => versionValues.get(v.version)?.[name] !== undefined);
    const prevValue = prev ? versionValues.get(prev.version)?.[name] : undefined;
    return {
      name,
      value,
      direction: metricDirection(name),
      headline: name === headline,
      threshold,
      passes: threshold ? (threshold.op === ">=" ? value >= threshold.value : value <= threshold.value) : null,
      previous: prev && prevValue !== undefined ? { version: prev.version, value: prevValue } : null,
    };
  });

  // ── slices: the training jobs of a Map (one per market, category…) with their own metrics ──
  const trainingJobs = l.jobs.filter((j) => j.kind === "TRAINING");
  const primary = l.jobs.find((j) => j.id === l.primaryJobId) ?? null;
  const sliceJobs = trainingJobs.length > 1 ? trainingJobs : [];
  const slices = sliceJobs.map((job) => ({
    slice: sliceLabel(job.name, l.run?.name ?? null),
    job: job.name,
    values: Object.fromEntries(l.runMetrics.filter((m) => m.scope === job.name).map((m) => [m.name, m.value])),
  }));
  const sliceMetrics = orderMetrics(
    slices.flatMap((s) => Object.keys(s.values)),
    headline,
  );
  const mapState = sliceJobs[0]?.stepKey?.match(/^([^[/]+)\[\d+\]/)?.[1] ?? null;
  const sliceKind = sliceJobs.length ? (mapState ? `Map iterations of ${mapState}` : "Training jobs of the run") : null;

  // ── across versions and curves ──
  const acrossVersions: VersionPoint[] = headline
    ? l.versions.flatMap((v) => {
        const value = versionValues.get(v.version)?.[headline];
        return value === undefined
          ? []
          : [{ version: v.version, value, approvalStatus: v.approvalStatus, current: v.version === l.version.version }];
      })
    : [];
  const curveOrder = orderMetrics(
    l.curves.map((c) => c.metric),
    headline,
  );
  const curves = curveOrder
    .map((metric) => l.curves.find((c) => c.metric === metric))
    .filter((c): c is Curve => !!c && c.points.length > 1)
    .slice(0, 4);

  // ── quantitative summary, in words ──
  const summary: string[] = [];
  const head = metricRows.find((m) => m.headline);
  if (head) {
    summary.push(
      `Headline metric ${head.name} = ${formatMetric(head.value)} on version ${l.version.version} (${head.direction} is better).`,
    );
    if (head.previous) {
      const change = percentChange(head.value, head.previous.value, head.direction);
      if (change)
        summary.push(`Against version ${head.previous.version} (${formatMetric(head.previous.value)}): ${change}.`);
    }
    if (acrossVersions.length > 1) {
      const sorted = [...acrossVersions].sort((a, b) =>
        head.direction === "higher" ? b.value - a.value : a.value - b.value,
      );
      const rank = sorted.findIndex((p) => p.current) + 1;
      const best = sorted[0];
      if (best)
        summary.push(
          `Ranks ${rank} of ${acrossVersions.length} versions; the best is version ${best.version} (${formatMetric(best.value)}).`,
        );
      const approved = acrossVersions.filter((p) => p.approvalStatus === "APPROVED" && !p.current).at(-1);
      if (approved) {
        const change = percentChange(head.value, approved.value, head.direction);
        summary.push(
          `Latest other approved version: ${approved.version} (${formatMetric(approved.value)})${change ? `; this version ${change}` : ""}.`,
        );
      }
    }
  }
  const withThreshold = metricRows.filter((m) => m.passes !== null);
  if (withThreshold.length) {
    const passing = withThreshold.filter((m) => m.passes).length;
    summary.push(`Meets ${passing} of ${withThreshold.length} threshold${withThreshold.length > 1 ? "s" : ""}.`);
  }
  if (headline && slices.length > 1) {
    const values = slices.filter((s) => s.values[headline] !== undefined);
    const dir = metricDirection(headline);
    const sorted = [...values].sort((a, b) => (a.values[headline] ?? 0) - (b.values[headline] ?? 0));
    const low = sorted[0];
    const high = sorted.at(-1);
    if (low && high && low !== high) {
      const [best, worst] = dir === "higher" ? [high, low] : [low, high];
      summary.push(
        `Across ${values.length} slices, ${headline} ranges from ${formatMetric(best.values[headline] ?? 0)} (${best.slice}, best) to ${formatMetric(worst.values[headline] ?? 0)} (${worst.slice}, worst).`,
      );
    }
  }

  // ── compute and cost ──
  // Priced as the run page and the run's cost series price them (jobCost): billable time, else start to end.
  const computeRows: ComputeRow[] = l.jobs.map((j) => {
    const ranSeconds =
      j.startedAt && j.endedAt ? Math.round((j.endedAt.getTime() - j.startedAt.getTime()) / 1000) : null;
    return {
      job: j.name,
      kind: j.kind,
      step: j.stepKey,
      instanceType: j.instanceType,
      instanceCount: j.instanceCount ?? 1,
      billableSeconds: j.billableSeconds,
      ranSeconds,
      hourlyUsd: hourlyPrice(j.instanceType),
      costUsd:
        jobCost({
          instanceType: j.instanceType,
          instanceCount: j.instanceCount,
          billableSeconds: j.billableSeconds,
          ranSeconds,
        })?.usd ?? null,
    };
  });
  const costs = computeRows.map((r) => r.costUsd).filter((c): c is number => c !== null);

  // ── overview ──
  const datasets = datasetsOf(trainingJobs.length ? trainingJobs : primary ? [primary] : []);
  const hyper = Object.entries(record(primary?.hyperParameters))
    .map(([name, value]) => ({ name, value: typeof value === "string" ? value : JSON.stringify(value) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const objectiveMetric = primary?.objectiveMetric ?? headline;
  const problemType = narrative.problemType ?? inferProblemType(metricNames);
  const artifacts = [
    ...(l.version.artifactUri ? [{ label: "Model artifact", uri: l.version.artifactUri }] : []),
    ...metricReports(l.version.metrics),
    ...(l.version.image ? [{ label: "Inference image", uri: l.version.image }] : []),
  ];

  const importedFrom = own ? (l.card?.importedFrom ?? null) : (l.inherited?.importedFrom ?? null);
  const url = `${l.origin}/models/${l.model.id}?version=${l.version.version}`;

  return {
    model: { id: l.model.id, name: l.model.name, arn: l.model.arn },
    version: l.version.version,
    versions: l.versions.map((v) => v.version),
    url,
    identity: {
      owners: l.model.team,
      ownerNote: text(contentRecord.modelOwner),
      createdAt: iso(l.version.createdAt),
      updatedAt: iso(own?.createdAt ?? null),
      cardStatus: l.card?.status ?? "DRAFT",
      approvalStatus: l.version.approvalStatus,
      license: narrative.license ?? null,
    },
    narrative,
    narrativeSource: own
      ? { kind: "own", revision: own.revision, fromVersion: null, importedFrom }
      : l.inherited
        ? {
            kind: "inherited",
            revision: l.inherited.revision,
            fromVersion: l.inherited.fromVersion,
            importedFrom,
          }
        : { kind: "none", revision: null, fromVersion: null, importedFrom: null },
    overview: {
      description: narrative.modelDescription ?? l.model.description,
      problemType: { value: problemType, inferred: !narrative.problemType && problemType !== null },
      algorithm: narrative.algorithmType ?? imageName(primary?.algorithmImage ?? null),
      image: primary?.algorithmImage ?? null,
      inferenceImage: l.version.image,
      inputs: datasets.map((d) => `${d.channel}${d.uri ? `: ${d.uri}` : ""}`),
      outputs: [
        ...(l.version.artifactUri ? [`Model artifact: ${l.version.artifactUri}`] : []),
        ...(l.version.image ? [`Served by: ${l.version.image}`] : []),
      ],
    },
    factors: { sliceKind, slices: slices.map((s) => s.slice) },
    training: {
      job: primary
        ? {
            name: primary.name,
            arn: primary.arn,
            status: primary.status,
            startedAt: iso(primary.startedAt),
            endedAt: iso(primary.endedAt),
          }
        : null,
      jobCount: trainingJobs.length,
      datasets,
      image: primary?.algorithmImage ?? null,
      hyperParameters: hyper,
      objective: objectiveMetric ? { metric: objectiveMetric, direction: metricDirection(objectiveMetric) } : null,
      run: l.run
        ? {
            publicId: l.run.publicId,
            name: l.run.name,
            status: l.run.status,
            startedAt: l.run.startedAt.toISOString(),
            stoppedAt: iso(l.run.stoppedAt),
          }
        : null,
    },
    evaluation: {
      metrics: metricRows,
      slices,
      sliceMetrics,
      acrossVersions: { metric: headline, points: acrossVersions },
      curves,
      curvesPeriod: curves.length ? l.curvesPeriod : null,
      reportUri: metricReports(l.version.metrics)[0]?.uri ?? null,
    },
    quantitative: { summary },
    compute: {
      rows: computeRows,
      totalBillableSeconds: computeRows.reduce(
        (a, r) => a + (r.billableSeconds ?? r.ranSeconds ?? 0) * r.instanceCount,
        0,
      ),
      totalCostUsd: costs.length ? costs.reduce((a, c) => a + c, 0) : null,
      priceNote: PRICE_TABLE_NOTE,
    },
    lineage: {
      pipeline: l.model.pipeline
        ? { id: l.model.pipeline.id, name: l.model.pipeline.name, arn: l.model.pipeline.arn }
        : null,
      run: l.run ? { publicId: l.run.publicId, name: l.run.name, executionArn: l.run.executionArn } : null,
      job: primary ? { name: primary.name, arn: primary.arn, stepKey: primary.stepKey } : null,
      packageArn: l.version.arn,
      packageGroupArn: l.model.arn,
      artifacts,
      importedCardArn: importedFrom,
      region: l.model.region,
    },
    revisions: l.revisions,
    latestRevision: l.card?.latestRevision ?? 0,
  };
}
