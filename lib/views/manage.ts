/** Writes of saved views (route handlers audit them through withApi): create, delete. */
import "server-only";
import { randomBytes } from "node:crypto";
import { assertCanWriteForTeam } from "@/lib/auth/permissions";
import type { Principal } from "@/lib/auth/principal";
import { pool } from "@/lib/db";
import { badRequest, forbidden, notFound } from "@/lib/errors";
import { canChangeView } from "./permissions";
import { getView } from "./queries";
import type { CreateViewBody, SavedView } from "./schema";

/** A short URL-safe id: 10 characters of base64url, 60 random bits. */
const newViewId = () => randomBytes(8).toString("base64url").slice(0, 10);

export async function createView({
  principal,
  body,
}: {
  principal: Principal;
  body: CreateViewBody;
}): Promise<SavedView> {
  let teamId: number | null = null;
  if (body.team) {
    const team = principal.user.teams.find((t) => t.slug === body.team);
    const { rows } = team
      ? { rows: [{ id: team.id }] }
      : await pool.query<{ id: number }>("SELECT id FROM team WHERE slug = $1", [body.team]);
    if (!rows[0]) throw badRequest(`No team ${body.team}.`);
    teamId = rows[0].id;
    assertCanWriteForTeam(principal, teamId);
  } else if (!principal.canWrite) {
    throw forbidden("This API token is read-only.");
  }
  const params = Object.fromEntries(Object.entries(body.params).filter(([, v]) => v !== undefined && v !== ""));
  const id = newViewId();
  const { rowCount } = await pool.query(
    `INSERT INTO saved_view (id, pipeline_id, name, params, user_id, team_id, created_by)
     SELECT $1, p.id, $3, $4::jsonb, $5, $6, $7 FROM pipeline p WHERE p.id = $2`,
    [
      id,
      body.pipelineId,
      body.name,
      JSON.stringify(params),
      teamId === null ? principal.user.id : null,
      teamId,
      principal.user.id,
    ],
  );
  if (!rowCount) throw notFound(`No pipeline ${body.pipelineId}.`);
  return getView({ viewId: id, user: principal.user });
}

export async function deleteView({ principal, viewId }: { principal: Principal; viewId: string }): Promise<SavedView> {
  const view = await pool.query<{ user_id: string | null; team_id: number | null }>(
    "SELECT user_id, team_id FROM saved_view WHERE id = $1",
    [viewId],
  );
  const row = view.rows[0];
  if (!row) throw notFound(`No saved view ${viewId}.`);
  if (!principal.canWrite) throw forbidden("This API token is read-only.");
  if (!canChangeView(principal.user, { userId: row.user_id, teamId: row.team_id }))
    throw forbidden(
      row.team_id === null
        ? "Only its owner can delete this view."
        : "Only members of the owning team can delete this view.",
    );
  const existing = await getView({ viewId, user: principal.user });
  await pool.query("DELETE FROM saved_view WHERE id = $1", [viewId]);
  return existing;
}
