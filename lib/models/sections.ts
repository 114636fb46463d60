/**
 * The card's sections, in the order every view prints them (union of Mitchell et al., the SageMaker
 * model-card schema, Google's Model Card Toolkit and Hugging Face cards). Pure, so e2e tests check the
 * PDF against the same list.
 */
export const CARD_SECTIONS = [
  { id: "details", title: "Model details" },
  { id: "overview", title: "Model overview" },
  { id: "intended-use", title: "Intended use" },
  { id: "business", title: "Business context" },
  { id: "risk", title: "Risk rating" },
  { id: "factors", title: "Factors and evaluation slices" },
  { id: "training", title: "Training details" },
  { id: "evaluation", title: "Evaluation" },
  { id: "quantitative", title: "Quantitative analysis" },
  { id: "limitations", title: "Limitations and trade-offs" },
  { id: "ethics", title: "Ethical considerations" },
  { id: "caveats", title: "Caveats and recommendations" },
  { id: "compute", title: "Compute and cost" },
  { id: "lineage", title: "Lineage" },
] as const;

export type CardSectionId = (typeof CARD_SECTIONS)[number]["id"];

export function sectionTitle(id: CardSectionId): string {
  return CARD_SECTIONS.find((s) => s.id === id)?.title ?? id;
}

/** "1 h 02 min", "25 min 33 s", "48 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  if (m > 0) return `${m} min ${String(rest).padStart(2, "0")} s`;
  return `${rest} s`;
}

/** Card dates are printed in UTC so a printed card means the same everywhere. */
export function formatUtc(iso: string | null | undefined, withTime = true): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const date = d.toISOString().slice(0, 10);
  return withTime ? `${date} ${d.toISOString().slice(11, 16)} UTC` : date;
}

export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(1) : abs >= 1 ? value.toFixed(3) : value.toFixed(4);
}

export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return value >= 100 ? `$${value.toFixed(0)}` : `$${value.toFixed(2)}`;
}
