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

// Card dates are printed in UTC so a printed card means the same everywhere (lib/format.ts); the PDF
// route imports formatUtc from here.
export { formatUtc } from "@/lib/format";
