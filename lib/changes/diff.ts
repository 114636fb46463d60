/**
 * The diff between a run and its baseline (the last good run): pure, so every rule is unit-tested
 * (diff.test.ts). lib/changes/queries.ts reads the two runs' facts and hands them here.
 *
 * Jobs are matched by the step that ran them, without the attempt suffix ("Train#2" → "Train",
 * "Markets[3]/Train" stays), because job names differ in every run.
 */

import { formatMetric as fmt, formatDuration, formatUsd } from "@/lib/format";
import { improvement, metricDirection, metricLabel } from "@/lib/metrics/direction";
import { isRegression } from "@/lib/metrics/regression";
import { approximateCost } from "@/lib/models/pricing";
import type { ChangesRun, MetricChange, RunChanges, StepDurationChange, ValueChange } from "./schema";

export type FactJob = {
  stepKey: string | null;
  kind: string;
  hyperParameters: Record<string, unknown>;
  image: string | null;
  instanceType: string | null;
  instanceCount: number | null;
  inputs: unknown;
  billableSeconds: number | null;
};

export type FactStep = { key: string; enteredAt: string; exitedAt: string | null };
export type FactMetric = { name: string; value: number; baseValue: number | null; baseN: number };

export type RunFacts = Omit<ChangesRun, "costUsd"> & {
  input: string | null;
  jobs: FactJob[];
  steps: FactStep[];
  metrics: FactMetric[];
};

const MAX_INPUT_PATHS = 500;
const MAX_DEPTH = 8;
const MAX_TEXT = 300;

const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);
const show = (v: unknown): string => clip(typeof v === "string" ? v : (JSON.stringify(v) ?? "null"));

/** A JSON value as path → leaf text ("dataset.train", "markets[2]"); unparsable text is one entry. */
export function flattenJson(text: string | null): Map<string, string> {
  const out = new Map<string, string>();
  if (text === null || text === "") return out;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    out.set("(input)", clip(text));
    return out;
  }
  const walk = (v: unknown, path: string, depth: number) => {
    if (out.size >= MAX_INPUT_PATHS) return;
    if (v !== null && typeof v === "object" && depth < MAX_DEPTH) {
      const entries = Array.isArray(v)
        ? v.map((item, i) => [`${path}[${i}]`, item] as const)
        : Object.entries(v as Record<string, unknown>).map(([k, item]) => [path ? `${path}.${k}` : k, item] as const);
      if (entries.length === 0) out.set(path || "(input)", Array.isArray(v) ? "[]" : "{}");
      for (const [p, item] of entries) walk(item, p, depth + 1);
      return;
    }
    out.set(path || "(input)", show(v));
  };
  walk(value, "", 0);
  return out;
}

/** Entries of two path → text maps that differ, in the order of the paths. */
export function diffMaps(before: Map<string, string>, after: Map<string, string>, step: string | null = null) {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: ValueChange[] = [];
  for (const key of keys) {
    const b = before.get(key) ?? null;
    const a = after.get(key) ?? null;
    if (b === a) continue;
    out.push({ key, step, kind: b === null ? "added" : a === null ? "removed" : "changed", before: b, after: a });
  }
  return out;
}

export const jobSlot = (job: Pick<FactJob, "stepKey" | "kind">): string =>
  job.stepKey ? job.stepKey.replace(/#\d+$/, "") : job.kind.toLowerCase();

/** The jobs of a run by slot; a slot run more than once (retries) keeps its last job. */
function slots(jobs: FactJob[]): Map<string, FactJob> {
  const map = new Map<string, FactJob>();
  for (const job of jobs) map.set(jobSlot(job), job);
  return map;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Input channels → channel name → data location (S3 URI, file system path). */
export function dataLocations(inputs: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const channels = Array.isArray(inputs) ? inputs : [];
  channels.forEach((raw, i) => {
    const c = record(raw);
    const name = String(c.ChannelName ?? c.InputName ?? `input ${i + 1}`);
    const locations: string[] = [];
    const walk = (v: unknown, depth: number) => {
      if (depth > 5) return;
      const r = record(v);
      for (const [k, child] of Object.entries(r)) {
        if ((k === "S3Uri" || k === "DirectoryPath") && typeof child === "string") locations.push(child);
        else walk(child, depth + 1);
      }
    };
    walk(c, 0);
    if (locations.length) out.set(name, clip(locations.join(", ")));
  });
  return out;
}

const imageName = (image: string | null) => image;

function perSlot(
  current: RunFacts,
  baseline: RunFacts,
  read: (job: FactJob) => Map<string, string>,
  onlyTraining = false,
): ValueChange[] {
  const a = slots(current.jobs.filter((j) => !onlyTraining || j.kind === "TRAINING"));
  const b = slots(baseline.jobs.filter((j) => !onlyTraining || j.kind === "TRAINING"));
  const names = [...new Set([...b.keys(), ...a.keys()])].sort();
  return names.flatMap((slot) => {
    const before = b.get(slot);
    const after = a.get(slot);
    return diffMaps(before ? read(before) : new Map(), after ? read(after) : new Map(), slot);
  });
}

const single = (key: string, value: string | null | undefined) =>
  value === null || value === undefined ? new Map<string, string>() : new Map([[key, value]]);

export function runCost(run: Pick<RunFacts, "jobs">): number | null {
  let total: number | null = null;
  for (const job of run.jobs) {
    const cost = approximateCost(job.instanceType, job.instanceCount, job.billableSeconds);
    if (cost !== null) total = (total ?? 0) + cost;
  }
  return total;
}

const durationMs = (s: FactStep) => (s.exitedAt === null ? null : Date.parse(s.exitedAt) - Date.parse(s.enteredAt));

export function stepDurationChanges(current: RunFacts, baseline: RunFacts): StepDurationChange[] {
  const before = new Map(baseline.steps.map((s) => [s.key, durationMs(s)]));
  const after = new Map(current.steps.map((s) => [s.key, durationMs(s)]));
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const rows = keys.map((key) => {
    const b = before.get(key) ?? null;
    const a = after.get(key) ?? null;
    return { key, beforeMs: b, afterMs: a, deltaMs: a !== null && b !== null ? a - b : null };
  });
  // The largest changes first; steps that ran in one run only after them, by their own duration.
  const weight = (r: StepDurationChange) =>
    r.deltaMs !== null ? Math.abs(r.deltaMs) : Math.max(r.beforeMs ?? 0, r.afterMs ?? 0) / 1e6;
  return rows.filter((r) => r.deltaMs !== 0).sort((x, y) => weight(y) - weight(x) || x.key.localeCompare(y.key));
}

export function metricChanges(current: RunFacts, baseline: RunFacts | null, thresholdPercent: number): MetricChange[] {
  const before = new Map((baseline?.metrics ?? []).map((m) => [m.name, m.value]));
  return [...current.metrics]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({
      name: m.name,
      direction: metricDirection(m.name),
      value: m.value,
      baselineRunValue: before.get(m.name) ?? null,
      trailingBaseline: m.baseN > 0 ? m.baseValue : null,
      regressed: isRegression(m, thresholdPercent),
    }));
}

const pct = (value: number, reference: number) => {
  const change = reference === 0 ? null : ((value - reference) / Math.abs(reference)) * 100;
  return change === null ? "" : ` (${change > 0 ? "+" : ""}${change.toFixed(1)} %)`;
};

/** The top changes in words, most telling first: regressions, definition, settings, data, input, time, cost. */
export function summarize(changes: Omit<RunChanges, "summary">, limit = 6): string[] {
  const out: string[] = [];
  for (const m of changes.metrics)
    if (m.regressed && m.value !== null && m.trailingBaseline !== null)
      out.push(
        `${metricLabel(m.name)} ${fmt(m.value)} vs baseline ${fmt(m.trailingBaseline)}${pct(m.value, m.trailingBaseline)}`,
      );
  if (!changes.baseline) return out.slice(0, limit);
  if (changes.definition.changed)
    out.push(`definition revision ${changes.definition.before ?? "?"} → ${changes.definition.after ?? "?"}`);
  const values: [string, ValueChange[]][] = [
    ["image", changes.images],
    ["instances", changes.instances],
    ["hyperparameter", changes.hyperParameters],
    ["data", changes.dataLocations],
    ["input", changes.input],
  ];
  for (const [label, list] of values)
    for (const c of list.slice(0, 2))
      out.push(
        `${label} ${c.step && label !== "input" ? `${c.step} ` : ""}${c.key}: ${c.before ?? "—"} → ${c.after ?? "—"}`,
      );
  for (const s of changes.steps.slice(0, 2))
    if (s.deltaMs !== null && s.beforeMs !== null && s.afterMs !== null)
      out.push(`step ${s.key} ${formatDuration(s.beforeMs / 1000)} → ${formatDuration(s.afterMs / 1000)}`);
  const { before, after } = changes.cost;
  if (before !== null && after !== null && Math.abs(after - before) >= 0.01)
    out.push(`cost ${formatUsd(before)} → ${formatUsd(after)}`);
  return out.slice(0, limit);
}

export function publicFacts(facts: RunFacts): ChangesRun {
  const { publicId, name, status, startedAt, stoppedAt, revisionId } = facts;
  return { publicId, name, status, startedAt, stoppedAt, revisionId, costUsd: runCost(facts) };
}

/** The whole comparison; `baseline` null gives only this run's metrics and the reason in `note`. */
export function computeChanges(
  current: RunFacts,
  baseline: RunFacts | null,
  options: { thresholdPercent: number; note: string | null },
): RunChanges {
  const run = publicFacts(current);
  const base = baseline ? publicFacts(baseline) : null;
  const empty = { input: [], hyperParameters: [], images: [], instances: [], dataLocations: [], steps: [] };
  const body: Omit<RunChanges, "summary"> = {
    run,
    baseline: base,
    note: baseline ? null : options.note,
    thresholdPercent: options.thresholdPercent,
    definition: {
      changed: baseline !== null && baseline.revisionId !== current.revisionId,
      before: baseline?.revisionId ?? null,
      after: current.revisionId,
    },
    ...(baseline
      ? {
          input: diffMaps(flattenJson(baseline.input), flattenJson(current.input)),
          hyperParameters: perSlot(
            current,
            baseline,
            (j) => new Map(Object.entries(j.hyperParameters ?? {}).map(([k, v]) => [k, show(v)])),
            true,
          ),
          images: perSlot(current, baseline, (j) => single("image", imageName(j.image))),
          instances: perSlot(
            current,
            baseline,
            (j) =>
              new Map(
                [
                  ["instance type", j.instanceType],
                  ["instance count", j.instanceCount === null ? null : String(j.instanceCount)],
                ].filter((e): e is [string, string] => e[1] !== null),
              ),
          ),
          dataLocations: perSlot(current, baseline, (j) => dataLocations(j.inputs)),
          steps: stepDurationChanges(current, baseline),
        }
      : empty),
    cost: {
      before: base?.costUsd ?? null,
      after: run.costUsd,
      delta: base?.costUsd != null && run.costUsd !== null ? run.costUsd - base.costUsd : null,
    },
    metrics: metricChanges(current, baseline, options.thresholdPercent),
    baselineSteps: baseline
      ? baseline.steps.map((s) => ({
          key: s.key,
          offsetMs: Date.parse(s.enteredAt) - Date.parse(baseline.startedAt),
          durationMs: durationMs(s),
        }))
      : [],
  };
  return { ...body, summary: summarize(body) };
}

/** Whether a metric moved the better way against the baseline run (for the panel's arrows). */
export const better = (m: MetricChange): boolean | null => {
  if (m.value === null || m.baselineRunValue === null) return null;
  const change = improvement(m.value, m.baselineRunValue, m.direction);
  return change === null || change === 0 ? null : change > 0;
};
