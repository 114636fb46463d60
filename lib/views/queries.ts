/** Reads of saved views: the views of a pipeline (the caller's own and every team's), one view by id. */
import "server-only";
import { canWriteForTeam } from "@/lib/auth/permissions";
import type { AuthUser } from "@/lib/auth/principal";
import { pool } from "@/lib/db";
import { notFound } from "@/lib/errors";
import { canChangeView } from "./permissions";
import type { SavedView, SavedViewList } from "./schema";

type ViewRow = {
  id: string;
  pipeline_id: number;
  name: string;
  params: Record<string, string>;
  user_id: string | null;
  user_name: string | null;
  team_id: number | null;
  team_slug: string | null;
  team_name: string | null;
  created_at: string;
};

const VIEW_SELECT = /* sql */ `
  SELECT v.id, v.pipeline_id, v.name, v.params, v.user_id, coalesce(u.name, u.email, 'someone') AS user_name,
         v.team_id, t.slug AS team_slug, t.name AS team_name,
         to_char(v.created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
    FROM saved_view v
    LEFT JOIN "user" u ON u.id = v.user_id
    LEFT JOIN team t ON t.id = v.team_id`;

function toView(row: ViewRow, user: AuthUser): SavedView {
  return {
    id: row.id,
    url: `/v/${row.id}`,
    pipelineId: row.pipeline_id,
    name: row.name,
    params: row.params,
    owner:
      row.team_id !== null
        ? { kind: "team", slug: row.team_slug ?? "", name: row.team_name ?? row.team_slug ?? "" }
        : { kind: "user", name: row.user_name ?? "someone", self: row.user_id === user.id },
    canDelete: canChangeView(user, { userId: row.user_id, teamId: row.team_id }),
    createdAt: row.created_at,
  };
}

/** The caller's own views of the pipeline and its teams' views (every team's: reading is open), newest first. */
export async function listViews({ pipelineId, user }: { pipelineId: number; user: AuthUser }): Promise<SavedViewList> {
  const { rows } = await pool.query<ViewRow>(
    `${VIEW_SELECT}
      WHERE v.pipeline_id = $1 AND (v.user_id = $2 OR v.team_id IS NOT NULL)
      ORDER BY v.team_id IS NOT NULL, v.created_at DESC, v.id
      LIMIT 200`,
    [pipelineId, user.id],
  );
  return {
    views: rows.map((row) => toView(row, user)),
    teams: user.teams.filter((t) => canWriteForTeam(user, t.id)).map((t) => ({ slug: t.slug, name: t.name })),
  };
}

export async function getView({ viewId, user }: { viewId: string; user: AuthUser }): Promise<SavedView> {
  const { rows } = await pool.query<ViewRow>(`${VIEW_SELECT} WHERE v.id = $1`, [viewId]);
  const row = rows[0];
  if (!row) throw notFound(`No saved view ${viewId}.`);
  return toView(row, user);
}
