/**
 * What changed between two revisions of a card's narrative, field by field, as word-level insertions
 * and deletions (the `diff` package's diffWords). Pure: the history page renders it, tests check it.
 */
import { diffWords } from "diff";
import { formatThresholds, NARRATIVE_FIELDS, readNarrative } from "./schema";

export type DiffPart = { value: string; added: boolean; removed: boolean };
export type FieldDiff = { key: string; label: string; parts: DiffPart[] };

function fields(content: unknown): { key: string; label: string; text: string }[] {
  const n = readNarrative(content);
  return [
    ...NARRATIVE_FIELDS.map((f) => ({ key: f.key, label: f.label, text: n[f.key] ?? "" })),
    { key: "riskRating", label: "Risk rating", text: n.riskRating ?? "" },
    { key: "metricThresholds", label: "Metric thresholds", text: formatThresholds(n.metricThresholds) },
  ];
}

/** Only the fields that differ, in card order. `before` null means an empty card. */
export function diffCardContent(before: unknown, after: unknown): FieldDiff[] {
  const a = new Map(fields(before).map((f) => [f.key, f.text]));
  return fields(after)
    .filter((f) => (a.get(f.key) ?? "") !== f.text)
    .map((f) => ({
      key: f.key,
      label: f.label,
      parts: diffWords(a.get(f.key) ?? "", f.text).map((p) => ({
        value: p.value,
        added: Boolean(p.added),
        removed: Boolean(p.removed),
      })),
    }));
}
