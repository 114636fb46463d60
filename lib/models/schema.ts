/**
 * Zod schemas of the models domain, free of server imports so the edit form, the server actions, the
 * route handlers and the OpenAPI document share them.
 *
 * A card has two kinds of content:
 *  - narrative fields (`CardNarrative`): Markdown written by the owning team, stored in each immutable
 *    `model_card_revision.content` (revision 1 may be imported from a SageMaker model card, see
 *    lib/sync/sagemaker/model-cards.ts, which writes the same field names);
 *  - facts (`ModelCardView`): generated on every read from lineage (pipeline → run → training job →
 *    model version) by lib/models/card-content.ts, so they never go stale.
 * The section list and order follow the union of Mitchell et al. "Model Cards for Model Reporting", the
 * SageMaker model-card content schema, Google's Model Card Toolkit and Hugging Face model cards.
 */
import { z } from "zod";
import { TeamRef } from "@/lib/runs/schema";

export { TeamRef };

export const CARD_STATUSES = ["DRAFT", "PENDING_REVIEW", "APPROVED", "ARCHIVED"] as const;
export const CardStatus = z.enum(CARD_STATUSES);
export type CardStatus = z.infer<typeof CardStatus>;

export const APPROVAL_STATUSES = ["APPROVED", "PENDING_MANUAL_APPROVAL", "REJECTED"] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const RISK_RATINGS = ["Low", "Medium", "High", "Unknown"] as const;
export const RiskRating = z.enum(RISK_RATINGS);

const MAX_MARKDOWN = 20_000;
const markdown = z
  .string()
  .max(MAX_MARKDOWN, `At most ${MAX_MARKDOWN} characters per field.`)
  .transform((value) => value.replace(/\r\n?/g, "\n").trim())
  .transform((value) => (value === "" ? null : value))
  .nullable();

export const MetricThreshold = z.object({
  metric: z.string().trim().min(1).max(200),
  op: z.enum([">=", "<="]),
  value: z.number().finite(),
});
export type MetricThreshold = z.infer<typeof MetricThreshold>;

/**
 * The narrative fields, in card order. `label` is what the edit form and the diff show; `section` is
 * the card section the field is rendered in.
 */
export const NARRATIVE_FIELDS = [
  { key: "license", label: "License", section: "identity", multiline: false },
  { key: "modelDescription", label: "Model description", section: "overview", multiline: true },
  { key: "problemType", label: "Problem type", section: "overview", multiline: false },
  { key: "algorithmType", label: "Algorithm", section: "overview", multiline: false },
  { key: "inputsOutputs", label: "Inputs and outputs", section: "overview", multiline: true },
  { key: "intendedUses", label: "Intended uses", section: "intended-use", multiline: true },
  { key: "outOfScopeUses", label: "Out-of-scope uses", section: "intended-use", multiline: true },
  { key: "businessDetails", label: "Business context", section: "business", multiline: true },
  { key: "riskRatingExplanation", label: "Risk rating justification", section: "risk", multiline: true },
  {
    key: "factorsAffectingModelEfficiency",
    label: "Factors affecting performance",
    section: "factors",
    multiline: true,
  },
  { key: "trainingNotes", label: "Training notes", section: "training", multiline: true },
  { key: "evaluationNotes", label: "Evaluation notes", section: "evaluation", multiline: true },
  { key: "quantitativeAnalysis", label: "Quantitative analysis", section: "quantitative", multiline: true },
  { key: "limitations", label: "Limitations and trade-offs", section: "limitations", multiline: true },
  { key: "ethicalConsiderations", label: "Ethical considerations", section: "ethics", multiline: true },
  { key: "caveatsAndRecommendations", label: "Caveats and recommendations", section: "caveats", multiline: true },
] as const;

export type NarrativeKey = (typeof NARRATIVE_FIELDS)[number]["key"];

const narrativeShape = Object.fromEntries(NARRATIVE_FIELDS.map((f) => [f.key, markdown.optional()])) as {
  [K in NarrativeKey]: z.ZodOptional<typeof markdown>;
};

/** What an editor submits: every narrative field, the risk rating and owner-declared metric thresholds. */
export const CardNarrative = z.object({
  ...narrativeShape,
  riskRating: RiskRating.nullable().optional(),
  metricThresholds: z.array(MetricThreshold).max(50).optional(),
});
export type CardNarrative = z.infer<typeof CardNarrative>;

/**
 * Reading stored content never fails: a field of the wrong type (an older or foreign shape) reads as
 * empty, and unknown keys (`sagemaker`, `importedFrom`, `modelOwner`…) are kept untouched.
 */
export function readNarrative(content: unknown): CardNarrative {
  const source = content && typeof content === "object" && !Array.isArray(content) ? content : {};
  const record = source as Record<string, unknown>;
  const out: CardNarrative = {};
  for (const field of NARRATIVE_FIELDS) {
    const value = record[field.key];
    out[field.key] = typeof value === "string" && value.trim() !== "" ? value : null;
  }
  const rating = RiskRating.safeParse(normaliseRisk(record.riskRating));
  out.riskRating = rating.success ? rating.data : null;
  const thresholds = z.array(MetricThreshold).safeParse(record.metricThresholds);
  out.metricThresholds = thresholds.success ? thresholds.data : [];
  return out;
}

function normaliseRisk(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const v = value.trim().toLowerCase();
  return RISK_RATINGS.find((r) => r.toLowerCase() === v) ?? value;
}

/** Parses the edit form's thresholds text: one "metric >= value" or "metric <= value" per line. */
export function parseThresholds(text: string): { thresholds: MetricThreshold[] } | { error: string } {
  const thresholds: MetricThreshold[] = [];
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const line of lines) {
    const match = /^(.+?)\s*(>=|<=|≥|≤)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)$/i.exec(line);
    if (!match?.[1] || !match[2] || !match[3]) {
      return { error: `Threshold "${line.slice(0, 80)}" is not "metric >= value" or "metric <= value".` };
    }
    const op = match[2] === "≥" ? ">=" : match[2] === "≤" ? "<=" : (match[2] as ">=" | "<=");
    thresholds.push({ metric: match[1].trim(), op, value: Number(match[3]) });
  }
  return { thresholds };
}

export function formatThresholds(thresholds: readonly MetricThreshold[] | undefined): string {
  return (thresholds ?? []).map((t) => `${t.metric} ${t.op} ${t.value}`).join("\n");
}

// ───────────────────────────── inputs of actions and routes ─────────────────────────────

export const ModelIdParams = z.object({ modelId: z.coerce.number().int().positive().max(2_147_483_647) });
export const ModelVersionParams = ModelIdParams.extend({
  version: z.coerce.number().int().positive().max(2_147_483_647),
});

export const SaveCardRevisionInput = z.object({
  modelId: z.coerce.number().int().positive(),
  version: z.coerce.number().int().positive(),
  /** The revision the editor started from; a newer one on the server means someone else saved first (409). */
  baseRevision: z.coerce.number().int().min(0),
  content: CardNarrative,
  note: z.string().trim().max(500).optional().nullable(),
});
export type SaveCardRevisionInput = z.infer<typeof SaveCardRevisionInput>;

export const SetCardStatusInput = z.object({
  modelId: z.coerce.number().int().positive(),
  version: z.coerce.number().int().positive(),
  status: CardStatus,
  baseRevision: z.coerce.number().int().min(0),
  note: z.string().trim().max(500).optional().nullable(),
});
export type SetCardStatusInput = z.infer<typeof SetCardStatusInput>;

export const SaveCardRevisionBody = SaveCardRevisionInput.omit({ modelId: true, version: true });
export const SetCardStatusBody = SetCardStatusInput.omit({ modelId: true, version: true });
export const RevisionResult = z.object({ revision: z.number().int(), status: CardStatus });

export const ModelListQuery = z.object({
  q: z.string().trim().max(200).optional(),
  team: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,64}$/, "team: a team slug")
    .optional(),
  status: ApprovalStatus.optional(),
  pipeline: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
export type ModelListQuery = z.infer<typeof ModelListQuery>;

// ───────────────────────────── what the card and list read as ─────────────────────────────

const Artifact = z.object({ label: z.string(), uri: z.string() });

export const ModelListItem = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    team: TeamRef.nullable(),
    pipeline: z.object({ id: z.number().int(), name: z.string() }).nullable(),
    versionCount: z.number().int(),
    latest: z
      .object({
        version: z.number().int(),
        approvalStatus: ApprovalStatus,
        cardStatus: CardStatus.nullable(),
        createdAt: z.string().nullable(),
        run: z.object({ publicId: z.string(), name: z.string() }).nullable(),
      })
      .nullable(),
    latestApprovedVersion: z.number().int().nullable(),
  })
  .meta({ id: "ModelListItem" });
export type ModelListItem = z.infer<typeof ModelListItem>;
export const ModelList = z.object({ models: z.array(ModelListItem) });

export const ModelVersionSummary = z.object({
  version: z.number().int(),
  approvalStatus: ApprovalStatus,
  cardStatus: CardStatus.nullable(),
  createdAt: z.string().nullable(),
  run: z.object({ publicId: z.string(), name: z.string(), status: z.string() }).nullable(),
  headline: z.object({ metric: z.string(), value: z.number() }).nullable(),
});
export type ModelVersionSummary = z.infer<typeof ModelVersionSummary>;

export const ModelDetail = z
  .object({
    id: z.number().int(),
    name: z.string(),
    arn: z.string().nullable(),
    description: z.string().nullable(),
    team: TeamRef.nullable(),
    pipeline: z.object({ id: z.number().int(), name: z.string() }).nullable(),
    versions: z.array(ModelVersionSummary),
  })
  .meta({ id: "Model" });
export type ModelDetail = z.infer<typeof ModelDetail>;

export const MetricRow = z.object({
  name: z.string(),
  value: z.number(),
  direction: z.enum(["higher", "lower"]),
  headline: z.boolean(),
  threshold: MetricThreshold.extend({ source: z.enum(["quality-gate", "owner"]) }).nullable(),
  /** null without a threshold; else whether the value meets it. */
  passes: z.boolean().nullable(),
  previous: z.object({ version: z.number().int(), value: z.number() }).nullable(),
});
export type MetricRow = z.infer<typeof MetricRow>;

export const SliceRow = z.object({ slice: z.string(), job: z.string(), values: z.record(z.string(), z.number()) });

export const VersionPoint = z.object({
  version: z.number().int(),
  value: z.number(),
  approvalStatus: ApprovalStatus,
  current: z.boolean(),
});
export type VersionPoint = z.infer<typeof VersionPoint>;

export const CurvePoint = z.object({ step: z.number().int(), value: z.number() });
export const Curve = z.object({ metric: z.string(), points: z.array(CurvePoint) });
export type Curve = z.infer<typeof Curve>;

export const ComputeRow = z.object({
  job: z.string(),
  kind: z.string(),
  step: z.string().nullable(),
  instanceType: z.string().nullable(),
  instanceCount: z.number().int(),
  billableSeconds: z.number().int().nullable(),
  /** Start to end: what a job without billable time (processing, transform) is priced by, as the run page does. */
  ranSeconds: z.number().int().nullable(),
  hourlyUsd: z.number().nullable(),
  costUsd: z.number().nullable(),
});
export type ComputeRow = z.infer<typeof ComputeRow>;

export const Dataset = z.object({
  channel: z.string(),
  uri: z.string().nullable(),
  contentType: z.string().nullable(),
});

export const RevisionSummary = z.object({
  revision: z.number().int(),
  status: CardStatus,
  author: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
});
export type RevisionSummary = z.infer<typeof RevisionSummary>;

/** The whole card of one model version, as the page, the print view and the API read it. */
export const ModelCardView = z
  .object({
    model: z.object({ id: z.number().int(), name: z.string(), arn: z.string().nullable() }),
    version: z.number().int(),
    versions: z.array(z.number().int()),
    url: z.string(),
    identity: z.object({
      owners: TeamRef.nullable(),
      ownerNote: z.string().nullable(),
      createdAt: z.string().nullable(),
      updatedAt: z.string().nullable(),
      cardStatus: CardStatus,
      approvalStatus: ApprovalStatus,
      license: z.string().nullable(),
    }),
    narrative: CardNarrative,
    /** Where the narrative comes from: this version's own revision, an earlier version's, or nothing yet. */
    narrativeSource: z.object({
      kind: z.enum(["own", "inherited", "none"]),
      revision: z.number().int().nullable(),
      fromVersion: z.number().int().nullable(),
      importedFrom: z.string().nullable(),
    }),
    overview: z.object({
      description: z.string().nullable(),
      problemType: z.object({ value: z.string().nullable(), inferred: z.boolean() }),
      algorithm: z.string().nullable(),
      image: z.string().nullable(),
      inferenceImage: z.string().nullable(),
      inputs: z.array(z.string()),
      outputs: z.array(z.string()),
    }),
    factors: z.object({ sliceKind: z.string().nullable(), slices: z.array(z.string()) }),
    training: z.object({
      job: z
        .object({
          name: z.string(),
          arn: z.string(),
          status: z.string(),
          startedAt: z.string().nullable(),
          endedAt: z.string().nullable(),
        })
        .nullable(),
      jobCount: z.number().int(),
      datasets: z.array(Dataset),
      image: z.string().nullable(),
      hyperParameters: z.array(z.object({ name: z.string(), value: z.string() })),
      objective: z.object({ metric: z.string(), direction: z.enum(["higher", "lower"]) }).nullable(),
      run: z
        .object({
          publicId: z.string(),
          name: z.string(),
          status: z.string(),
          startedAt: z.string(),
          stoppedAt: z.string().nullable(),
        })
        .nullable(),
    }),
    evaluation: z.object({
      metrics: z.array(MetricRow),
      slices: z.array(SliceRow),
      sliceMetrics: z.array(z.string()),
      acrossVersions: z.object({ metric: z.string().nullable(), points: z.array(VersionPoint) }),
      curves: z.array(Curve),
      curvesPeriod: z.number().int().nullable().meta({
        description:
          "The Period (seconds) the curves were read at: 1 is a point per epoch; 60, 300 or 3600 a bucket's mean (the job was read after CloudWatch dropped its 1-second data)",
      }),
      reportUri: z.string().nullable(),
    }),
    quantitative: z.object({ summary: z.array(z.string()) }),
    compute: z.object({
      rows: z.array(ComputeRow),
      totalBillableSeconds: z.number().int(),
      totalCostUsd: z.number().nullable(),
      priceNote: z.string(),
    }),
    lineage: z.object({
      pipeline: z.object({ id: z.number().int(), name: z.string(), arn: z.string() }).nullable(),
      run: z.object({ publicId: z.string(), name: z.string(), executionArn: z.string() }).nullable(),
      job: z.object({ name: z.string(), arn: z.string(), stepKey: z.string().nullable() }).nullable(),
      packageArn: z.string().nullable(),
      packageGroupArn: z.string().nullable(),
      artifacts: z.array(Artifact),
      importedCardArn: z.string().nullable(),
      region: z.string().nullable(),
    }),
    revisions: z.array(RevisionSummary),
    latestRevision: z.number().int(),
  })
  .meta({ id: "ModelCard", description: "A model card: facts generated from lineage plus the narrative." });
export type ModelCardView = z.infer<typeof ModelCardView>;

/**
 * The edit form as it is posted (FormData: every field a string) → SaveCardRevisionInput. Thresholds
 * come as text lines, the risk rating as "" when unset.
 */
export const CardEditForm = z
  .object({
    modelId: z.string(),
    version: z.string(),
    baseRevision: z.string(),
    note: z.string().max(500, "Keep the change note under 500 characters.").optional(),
    riskRating: z.string().optional(),
    thresholds: z.string().max(5_000).optional(),
    ...(Object.fromEntries(NARRATIVE_FIELDS.map((f) => [f.key, z.string().optional()])) as {
      [K in NarrativeKey]: z.ZodOptional<z.ZodString>;
    }),
  })
  .transform((form, ctx) => {
    const parsed = parseThresholds(form.thresholds ?? "");
    if ("error" in parsed) {
      ctx.addIssue({ code: "custom", message: parsed.error, path: ["thresholds"] });
      return z.NEVER;
    }
    const content: Record<string, unknown> = {
      riskRating: form.riskRating ? form.riskRating : null,
      metricThresholds: parsed.thresholds,
    };
    for (const field of NARRATIVE_FIELDS) content[field.key] = form[field.key] ?? null;
    const result = SaveCardRevisionInput.safeParse({
      modelId: form.modelId,
      version: form.version,
      baseRevision: form.baseRevision,
      note: form.note ?? null,
      content,
    });
    if (!result.success) {
      for (const issue of result.error.issues)
        ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
      return z.NEVER;
    }
    return result.data;
  });
