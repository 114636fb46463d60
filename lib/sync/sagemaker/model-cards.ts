/**
 * SageMaker model cards → the first revision of a Stepwise model card, once per model version and
 * never again: a card that exists (imported, or written in Stepwise) is never overwritten.
 *
 * Which version a SageMaker card describes: a SageMaker card is one document with versions, and each
 * card version may describe a different model package (the demo, like teams that keep one card per
 * model, adds a card version whenever a package is approved). A card version is matched to a model
 * version through, in order: content.model_package_details.model_package_arn,
 * content.additional_information.custom_details.model_package_arn, content.model_overview.model_id
 * when it is a model-package ARN, and finally content.training_details.training_job_details.training_arn
 * (the newest version produced by that training job). When several card versions match one model
 * version, the newest card version is imported.
 *
 * AWS cost: the per-source cursor `cursors.sagemakerModelCards[<card arn>] = { version, modified }`
 * remembers the last card version handled; a card whose LastModifiedTime is unchanged costs nothing
 * beyond ListModelCards, and a changed one costs one DescribeModelCard per new card version. A card
 * version whose package is not stored yet holds the cursor back so the next pass tries again.
 *
 * Optional: a denied ListModelCards or DescribeModelCard is a gap of the source (no call until its probe);
 * a card DescribeModelCard does not find is given up (lib/sync/degrade.ts) and not asked about again.
 */
import "server-only";
import {
  DescribeModelCardCommand,
  type DescribeModelCardResponse,
  ListModelCardsCommand,
  type ModelCardSummary,
} from "@aws-sdk/client-sagemaker";
import type { SyncContext } from "../context";
import { guarded, loadBackoffs, SOURCE_WIDE } from "../degrade";
import { readSql, writeSql } from "../fence";
import type { JsonValue } from "./describe-job";
import { iso, NOW_UTC } from "./sql";

const CURSOR_KEY = "sagemakerModelCards";
type CardCursor = Record<string, { version: number; modified: string | null }>;

type JsonObject = { [key: string]: JsonValue };
const obj = (v: JsonValue | undefined): JsonObject => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
const str = (v: JsonValue | undefined): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);

/** Where a card version says which model it describes. */
export function cardLinks(content: JsonValue): { packageArns: string[]; trainingJobArns: string[] } {
  const c = obj(content);
  const packageArns = [
    str(obj(c.model_package_details).model_package_arn),
    str(obj(obj(c.additional_information).custom_details).model_package_arn),
    str(obj(c.model_overview).model_id),
  ].filter((a): a is string => !!a && /:model-package\//.test(a));
  const trainingArn = str(obj(obj(c.training_details).training_job_details).training_arn);
  return { packageArns: [...new Set(packageArns)], trainingJobArns: trainingArn ? [trainingArn] : [] };
}

const joinText = (parts: (string | null)[], separator = "\n\n") => {
  const present = parts.filter((p): p is string => !!p);
  return present.length > 0 ? present.join(separator) : null;
};
const labelled = (pairs: [string, string | null][]) =>
  joinText(pairs.map(([label, value]) => (value ? `**${label}:** ${value}` : null)));

/**
 * The revision-1 content of an imported card: the narrative fields Stepwise's card sections edit, as
 * Markdown strings (null when SageMaker had nothing), plus the SageMaker content unchanged under
 * `sagemaker` and where it came from under `importedFrom`.
 */
export function cardContentFromSageMaker(
  content: JsonValue,
  source: { arn: string; name: string; version: number; status: string | null; modifiedAt: string | null },
): JsonObject {
  const c = obj(content);
  const overview = obj(c.model_overview);
  const uses = obj(c.intended_uses);
  const business = obj(c.business_details);
  const training = obj(c.training_details);
  const objective = obj(training.objective_function);
  const info = obj(c.additional_information);
  const evaluations = Array.isArray(c.evaluation_details) ? c.evaluation_details.map(obj) : [];
  return {
    modelDescription: str(overview.model_description),
    modelOwner: str(overview.model_owner),
    problemType: str(overview.problem_type),
    algorithmType: str(overview.algorithm_type),
    intendedUses: joinText([str(uses.purpose_of_model), str(uses.intended_uses)]),
    factorsAffectingModelEfficiency: str(uses.factors_affecting_model_efficiency),
    businessDetails: labelled([
      ["Business problem", str(business.business_problem)],
      ["Stakeholders", str(business.business_stakeholders)],
      ["Line of business", str(business.line_of_business)],
    ]),
    riskRating: str(uses.risk_rating),
    riskRatingExplanation: str(uses.explanations_for_risk_rating),
    ethicalConsiderations: str(info.ethical_considerations),
    caveatsAndRecommendations: str(info.caveats_and_recommendations),
    trainingNotes: joinText([str(training.training_observations), str(objective.notes)]),
    evaluationNotes: joinText(
      evaluations.map((e) => {
        const note = str(e.evaluation_observation);
        const name = str(e.name);
        return note ? (name ? `**${name}:** ${note}` : note) : null;
      }),
    ),
    importedFrom: {
      modelCardArn: source.arn,
      modelCardName: source.name,
      modelCardVersion: source.version,
      modelCardStatus: source.status,
      lastModifiedTime: source.modifiedAt,
    },
    sagemaker: c,
  };
}

type Parsed = { summary: ModelCardSummary; card: DescribeModelCardResponse; content: JsonValue };

export async function importModelCards(ctx: SyncContext, changed: Set<number>): Promise<void> {
  await loadBackoffs(ctx);
  const listed = await guarded(ctx, { operation: "sagemaker:ListModelCards", object: SOURCE_WIDE }, async () => {
    const all: ModelCardSummary[] = [];
    let NextToken: string | undefined;
    do {
      const page = await ctx.clients.sagemaker.send(
        new ListModelCardsCommand({ MaxResults: 100, NextToken, SortBy: "CreationTime", SortOrder: "Ascending" }),
        { abortSignal: ctx.signal },
      );
      all.push(...(page.ModelCardSummaries ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return all;
  });
  if (!listed.ok) return;
  const summaries = listed.value;
  const [row] = await readSql<{ cursor: CardCursor | null }>(
    ctx,
    `SELECT cursors->'${CURSOR_KEY}' AS cursor FROM aws_source WHERE id = $1`,
    [ctx.source.id],
  );
  const before: CardCursor = row?.cursor && typeof row.cursor === "object" ? row.cursor : {};
  const cursor: CardCursor = { ...before };

  for (const summary of summaries) {
    if (ctx.signal?.aborted) break;
    const name = summary.ModelCardName;
    const arn = summary.ModelCardArn;
    if (!name || !arn) continue;
    const modified = iso(summary.LastModifiedTime instanceof Date ? summary.LastModifiedTime : null);
    const seen = cursor[arn];
    if (seen && seen.modified === modified) continue;
    const described = await guarded(ctx, { operation: "sagemaker:DescribeModelCard", object: name }, async () => {
      const out: Parsed[] = [];
      const latest = await describeCard(ctx, name);
      const last = latest.ModelCardVersion ?? 1;
      for (let v = (seen?.version ?? 0) + 1; v < last; v++) {
        out.push(parse(ctx, summary, await describeCard(ctx, name, v)));
      }
      out.push(parse(ctx, summary, latest));
      return out;
    });
    // Denied, gone or failing: the card is skipped; its backoff row (or the gap) decides when to ask again.
    if (!described.ok) continue;
    const parsed = described.value;
    const handled = await importVersions(ctx, parsed, changed);
    cursor[arn] = {
      version: handled ?? seen?.version ?? 0,
      modified: handled === parsed.at(-1)?.card.ModelCardVersion ? modified : null,
    };
  }
  if (JSON.stringify(cursor) !== JSON.stringify(before)) {
    await writeSql(
      ctx,
      "model card cursor",
      `UPDATE aws_source SET cursors = jsonb_set(cursors, '{${CURSOR_KEY}}', $2::jsonb, true) WHERE id = $1`,
      [ctx.source.id, JSON.stringify(cursor)],
    );
  }
}

async function describeCard(ctx: SyncContext, name: string, version?: number): Promise<DescribeModelCardResponse> {
  return ctx.clients.sagemaker.send(new DescribeModelCardCommand({ ModelCardName: name, ModelCardVersion: version }), {
    abortSignal: ctx.signal,
  });
}

function parse(ctx: SyncContext, summary: ModelCardSummary, card: DescribeModelCardResponse): Parsed {
  let content: JsonValue = null;
  try {
    content = card.Content ? (JSON.parse(card.Content) as JsonValue) : null;
  } catch {
    ctx.log.warn("sagemaker: model card content is not JSON", {
      card: card.ModelCardName,
      version: card.ModelCardVersion,
    });
  }
  return { summary, card, content };
}

/**
 * Imports what it can and returns the highest card version up to which every version is settled
 * (imported, already carded, or naming no model at all), or null when none is.
 */
async function importVersions(ctx: SyncContext, parsed: Parsed[], changed: Set<number>): Promise<number | null> {
  const links = parsed.map((p) => cardLinks(p.content));
  const packageArns = [...new Set(links.flatMap((l) => l.packageArns))];
  const jobArns = [...new Set(links.flatMap((l) => l.trainingJobArns))];
  const versions =
    packageArns.length + jobArns.length === 0
      ? []
      : await readSql<{ id: number; arn: string | null; job_arn: string | null }>(
          ctx,
          `SELECT mv.id, mv.arn, j.arn AS job_arn
           FROM model_version mv JOIN model_group g ON g.id = mv.model_id
           LEFT JOIN sagemaker_job j ON j.id = mv.job_id
           WHERE g.source_id = $1 AND (mv.arn = ANY($2::text[]) OR j.arn = ANY($3::text[]))
           ORDER BY mv.version`,
          [ctx.source.id, packageArns, jobArns],
        );
  const byPackage = new Map(versions.filter((v) => v.arn).map((v) => [v.arn, v.id]));
  const byJob = new Map(versions.filter((v) => v.job_arn).map((v) => [v.job_arn, v.id]));
  const imports = new Map<number, { cardArn: string; content: JsonObject; note: string }>();
  let settled: number | null = null;
  let blocked = false;
  parsed.forEach((p, i) => {
    const link = links[i] ?? { packageArns: [], trainingJobArns: [] };
    const version = p.card.ModelCardVersion ?? 0;
    const versionId =
      link.packageArns.map((a) => byPackage.get(a)).find((id) => id !== undefined) ??
      link.trainingJobArns.map((a) => byJob.get(a)).find((id) => id !== undefined);
    if (versionId === undefined) {
      if (link.packageArns.length + link.trainingJobArns.length > 0) blocked = true;
      else
        ctx.log.warn("sagemaker: model card names no model package or training job", {
          card: p.card.ModelCardArn,
          version,
        });
    } else {
      // Later card versions replace earlier ones for the same model version (newest wins).
      imports.set(versionId, {
        cardArn: p.card.ModelCardArn ?? "",
        content: cardContentFromSageMaker(p.content, {
          arn: p.card.ModelCardArn ?? "",
          name: p.card.ModelCardName ?? "",
          version,
          status: p.card.ModelCardStatus ?? null,
          modifiedAt: iso(p.card.LastModifiedTime instanceof Date ? p.card.LastModifiedTime : null),
        }),
        note: `Imported from SageMaker model card ${p.card.ModelCardName ?? ""} version ${version}`,
      });
    }
    if (!blocked) settled = version;
  });
  if (imports.size > 0) {
    const entries = [...imports.entries()];
    const inserted = await writeSql<{ model_id: number }>(
      ctx,
      "model cards imported",
      `WITH t AS (
         SELECT * FROM unnest($1::int4[], $2::text[], $3::jsonb[], $4::text[]) AS t(version_id, card_arn, content, note)
       ), c AS (
         INSERT INTO model_card (model_version_id, status, imported_from, latest_revision, created_at, updated_at)
         SELECT t.version_id, 'DRAFT', t.card_arn, 1, ${NOW_UTC}, ${NOW_UTC} FROM t
         ON CONFLICT (model_version_id) DO NOTHING
         RETURNING id, model_version_id
       ), r AS (
         INSERT INTO model_card_revision (card_id, revision, status, content, note, created_at)
         SELECT c.id, 1, 'DRAFT', t.content, t.note, ${NOW_UTC} FROM c JOIN t ON t.version_id = c.model_version_id
         RETURNING card_id
       )
       SELECT mv.model_id FROM c JOIN model_version mv ON mv.id = c.model_version_id`,
      [
        entries.map(([id]) => id),
        entries.map(([, e]) => e.cardArn),
        entries.map(([, e]) => JSON.stringify(e.content)),
        entries.map(([, e]) => e.note),
      ],
    );
    for (const r of inserted) changed.add(r.model_id);
  }
  return settled;
}
