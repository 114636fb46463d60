/**
 * Turning the compared runs into aligned rows (one per metric, hyperparameter, input field or step),
 * with deltas against the reference run (the first selected). Pure, so it is unit-tested.
 */
import { improvement, metricDirection, metricLabel } from "@/lib/metrics/direction";
import type { ComparedRun } from "./queries";

export type Cell = { text: string; value: number | null; delta: number | null; better: boolean | null };
/** `label`: what the row header shows when it is not the key itself (a metric's label). */
export type Row = { key: string; label?: string; cells: Cell[]; differs: boolean };

const text = (v: unknown): string =>
  v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v);

function flatten(value: unknown, prefix = "", depth = 0, out: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === "object" && !Array.isArray(value) && depth < 3) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      flatten(v, prefix ? `${prefix}.${k}` : k, depth + 1, out);
  } else if (prefix) {
    out[prefix] = text(value);
  }
  return out;
}

export function parseInput(input: string | null): Record<string, string> {
  if (!input) return {};
  try {
    return flatten(JSON.parse(input));
  } catch {
    return { input: input.slice(0, 200) };
  }
}

/** Hyperparameters of a run's training jobs; a key whose value differs between its jobs shows all values. */
export function hyperParameters(run: ComparedRun): Record<string, string> {
  const values = new Map<string, Set<string>>();
  for (const job of run.jobs) {
    if (job.kind !== "TRAINING") continue;
    for (const [k, v] of Object.entries(job.hyperParameters ?? {})) {
      const set = values.get(k) ?? new Set<string>();
      set.add(text(v));
      values.set(k, set);
    }
  }
  return Object.fromEntries([...values].map(([k, set]) => [k, [...set].join(" | ")]));
}

function textRows(records: Record<string, string>[]): Row[] {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].sort();
  return keys.map((key) => {
    const cells = records.map((r) => ({ text: r[key] ?? "—", value: null, delta: null, better: null }));
    return { key, cells, differs: new Set(cells.map((c) => c.text)).size > 1 };
  });
}

export const inputRows = (runs: ComparedRun[]) => textRows(runs.map((r) => parseInput(r.input)));
export const hyperParameterRows = (runs: ComparedRun[]) => textRows(runs.map(hyperParameters));

function numericRow(
  key: string,
  values: (number | null)[],
  format: (v: number) => string,
  betterWhen: "higher" | "lower",
): Row {
  const reference = values[0] ?? null;
  const cells = values.map((value, i) => {
    if (value === null) return { text: "—", value: null, delta: null, better: null };
    const delta = i === 0 || reference === null ? null : value - reference;
    const change = i === 0 || reference === null ? null : improvement(value, reference, betterWhen);
    return { text: format(value), value, delta, better: change === null || change === 0 ? null : change > 0 };
  });
  return { key, cells, differs: new Set(values.map(String)).size > 1 };
}

export function metricRows(runs: ComparedRun[], format: (v: number) => string): Row[] {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  return names.map((name) => ({
    ...numericRow(
      name,
      runs.map((r) => r.metrics[name] ?? null),
      format,
      metricDirection(name),
    ),
    label: metricLabel(name),
  }));
}

/** Step timings by state, in the order the reference run went through them (then the others' extra states). */
export function stepRows(runs: ComparedRun[], format: (ms: number) => string): Row[] {
  const order: string[] = [];
  for (const run of runs) for (const s of run.steps) if (!order.includes(s.state)) order.push(s.state);
  return order.map((state) =>
    numericRow(
      state,
      runs.map((r) => r.steps.find((s) => s.state === state)?.durationMs ?? null),
      format,
      "lower",
    ),
  );
}

export function durationRow(runs: ComparedRun[], format: (ms: number) => string): Row {
  return numericRow(
    "Duration",
    runs.map((r) => r.durationMs),
    format,
    "lower",
  );
}
