/**
 * The write path shared by save-card-revision.ts and set-card-status.ts: one transaction that locks the
 * card row (creating it on the first write), checks the caller started from the latest revision, appends
 * an immutable revision and moves the card's pointer. Revisions are only ever INSERTed; nothing in
 * Stepwise updates or deletes one. After commit, one "model:<id>" live message tells open pages.
 */
import "server-only";
import type { Principal } from "@/lib/auth/principal";
import { pool, transaction } from "@/lib/db";
import { conflict, notFound } from "@/lib/errors";
import { createChangeSink } from "@/lib/live/notify";
import { logger } from "@/lib/log";
import type { CardStatus } from "./schema";

const NOW_UTC = "(now() AT TIME ZONE 'UTC')";

export type LockedCard = {
  cardId: number;
  modelId: number;
  modelName: string;
  teamId: number | null;
  status: CardStatus;
  latestRevision: number;
  /** Content of the latest revision ({} before the first one). */
  content: Record<string, unknown>;
  /**
   * Who wrote the content the latest revision carries: the author of the newest revision that changed
   * the content (status changes copy it). Null before the first revision or for imported content.
   */
  contentAuthorId: string | null;
};

type AppendPlan = {
  /** Decide, with the card locked, what to write; throw an AppError to refuse. */
  decide: (card: LockedCard) => { content: Record<string, unknown>; status: CardStatus; note: string | null };
};

export type AppendResult = { cardId: number; revision: number; status: CardStatus; modelId: number };

/**
 * Appends a revision to the card of (modelId, version) when `baseRevision` is still the latest.
 * `check` runs first with the card's team and status (for the permission check) before anything is written.
 */
export async function appendCardRevision({
  modelId,
  version,
  baseRevision,
  principal,
  check,
  plan,
}: {
  modelId: number;
  version: number;
  baseRevision: number;
  principal: Principal;
  check: (card: { teamId: number | null; status: CardStatus }) => void;
  plan: AppendPlan;
}): Promise<AppendResult> {
  const result = await transaction(async (client): Promise<AppendResult> => {
    const target = await client.query<{ version_id: number; team_id: number | null; name: string }>(
      `SELECT v.id AS version_id, g.team_id, g.name
         FROM model_version v JOIN model_group g ON g.id = v.model_id
        WHERE v.model_id = $1 AND v.version = $2`,
      [modelId, version],
    );
    const mv = target.rows[0];
    if (!mv) throw notFound(`No version ${version} of model ${modelId}.`);
    const existing = await client.query<{ status: CardStatus }>(
      "SELECT status FROM model_card WHERE model_version_id = $1",
      [mv.version_id],
    );
    // Permission first, before any row is created.
    check({ teamId: mv.team_id, status: existing.rows[0]?.status ?? "DRAFT" });

    await client.query(
      `INSERT INTO model_card (model_version_id, status, latest_revision, created_at, updated_at)
       VALUES ($1, 'DRAFT', 0, ${NOW_UTC}, ${NOW_UTC}) ON CONFLICT (model_version_id) DO NOTHING`,
      [mv.version_id],
    );
    const locked = await client.query<{ id: number; status: CardStatus; latest_revision: number }>(
      "SELECT id, status, latest_revision FROM model_card WHERE model_version_id = $1 FOR UPDATE",
      [mv.version_id],
    );
    const card = locked.rows[0];
    if (!card) throw notFound("The card disappeared while saving.");
    if (card.latest_revision !== baseRevision) {
      throw conflict(
        `This card changed since you opened it (now at revision ${card.latest_revision}, you started from ` +
          `${baseRevision}). Reload the page and apply your change again.`,
      );
    }
    const latest =
      card.latest_revision > 0
        ? await client.query<{ content: unknown }>(
            "SELECT content FROM model_card_revision WHERE card_id = $1 AND revision = $2",
            [card.id, card.latest_revision],
          )
        : { rows: [] as { content: unknown }[] };
    const contentAuthor =
      card.latest_revision > 0
        ? await client.query<{ author_id: string | null }>(
            `SELECT author_id FROM (
               SELECT revision, author_id,
                      content IS DISTINCT FROM lag(content) OVER (ORDER BY revision) AS changed
                 FROM model_card_revision WHERE card_id = $1) r
              WHERE changed ORDER BY revision DESC LIMIT 1`,
            [card.id],
          )
        : { rows: [] as { author_id: string | null }[] };
    const raw = latest.rows[0]?.content;
    const content = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    const decision = plan.decide({
      cardId: card.id,
      modelId,
      modelName: mv.name,
      teamId: mv.team_id,
      status: card.status,
      latestRevision: card.latest_revision,
      content,
      contentAuthorId: contentAuthor.rows[0]?.author_id ?? null,
    });
    const revision = card.latest_revision + 1;
    await client.query(
      `INSERT INTO model_card_revision (card_id, revision, status, content, author_id, note, created_at)
       VALUES ($1, $2, $3::"CardStatus", $4::jsonb, $5, $6, ${NOW_UTC})`,
      [card.id, revision, decision.status, JSON.stringify(decision.content), principal.user.id, decision.note],
    );
    await client.query(
      `UPDATE model_card SET latest_revision = $2, status = $3::"CardStatus", updated_at = ${NOW_UTC} WHERE id = $1`,
      [card.id, revision, decision.status],
    );
    return { cardId: card.id, revision, status: decision.status, modelId };
  });
  await announce(modelId);
  return result;
}

/** Bumps the model's version and tells every open page of it (and the list) through the live feed. */
async function announce(modelId: number): Promise<void> {
  try {
    const { rows } = await pool.query<{ version: number }>(
      `UPDATE model_group SET version = version + 1, updated_at = ${NOW_UTC} WHERE id = $1 RETURNING version`,
      [modelId],
    );
    const sink = createChangeSink();
    const version = rows[0]?.version ?? 1;
    sink.add({ topic: `model:${modelId}`, kind: "model", id: String(modelId), version });
    sink.add({ topic: "models", kind: "model", id: String(modelId), version });
    await sink.flush();
  } catch (error) {
    // The write is committed; a missed live message only delays other viewers until their next load.
    logger.error({ err: error, modelId }, "live announcement of a model change failed");
  }
}
