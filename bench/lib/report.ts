/** Prints the measurements as a table and writes bench/results/<date>.json and .md. */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { LoadSample } from "./load";
import type { Measurement, Scale } from "./types";

export type Conditions = { loads: LoadSample[]; warning: string | null };

const fmt = (n: number | undefined, digits = 1): string =>
  n === undefined || Number.isNaN(n) ? "–" : n >= 1000 ? Math.round(n).toLocaleString("en-US") : n.toFixed(digits);

function figures(m: Measurement): string {
  if (m.summary)
    return `p50 ${fmt(m.summary.p50)} · p95 ${fmt(m.summary.p95)} · p99 ${fmt(m.summary.p99)} ${m.unit} (n=${m.summary.n})`;
  return `${fmt(m.value)} ${m.unit}`;
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function toMarkdown(
  scale: Scale,
  measurements: Measurement[],
  startedAt: Date,
  conditions?: Conditions,
): string {
  const loads = conditions?.loads ?? [];
  const lines = [
    `# Benchmark ${startedAt.toISOString()} (${scale} scale)`,
    "",
    `Machine: ${machine()}`,
    "",
    ...(conditions?.warning ? [`**Warning: ${conditions.warning}.**`, ""] : []),
    ...(loads.length
      ? [
          `Load average (1 / 5 / 15 min): ${loads.map((l) => `${l.label} ${l.load1} / ${l.load5} / ${l.load15}`).join(" · ")}`,
          "",
        ]
      : []),
    "| measurement | result | ratio to baseline | target | met |",
    "| --- | --- | --- | --- | --- |",
    ...measurements.map(
      (m) =>
        `| ${m.name} | ${figures(m)} | ${m.ratio ? `${fmt(m.ratio.value, 2)}× ${m.ratio.baseline}` : "–"} | ${m.target} | ${
          m.met === null ? "–" : m.met ? "yes" : "**no**"
        } |`,
    ),
  ];
  const notes = measurements.filter((m) => m.notes);
  if (notes.length) lines.push("", "Notes:", "", ...notes.map((m) => `- ${m.name}: ${m.notes}`));
  return `${lines.join("\n")}\n`;
}

export async function writeReport(
  scale: Scale,
  measurements: Measurement[],
  startedAt: Date,
  conditions?: Conditions,
): Promise<string> {
  const dir = path.resolve("bench/results");
  await mkdir(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const base = path.join(dir, `${stamp}-${scale}`);
  await writeFile(
    `${base}.json`,
    `${JSON.stringify({ scale, startedAt, machine: machine(), conditions, measurements }, null, 2)}\n`,
  );
  await writeFile(`${base}.md`, toMarkdown(scale, measurements, startedAt, conditions));
  return base;
}

export function printTable(measurements: Measurement[]): void {
  const rows = measurements.map((m) => [
    m.name,
    figures(m),
    m.ratio ? `${fmt(m.ratio.value, 2)}× ${m.ratio.baseline}` : "",
    m.target,
    m.met === null ? "–" : m.met ? "yes" : "NO",
  ]);
  const header = ["measurement", "result", "ratio", "target", "met"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "─".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}
