/**
 * What the Alerts page reads (through lib/dal/alerts.ts): every rule and channel — reading is open to every
 * signed-in user, like the API —, the teams the caller may write for (their MEMBER teams; every team for
 * admins) and those teams' pipelines for a rule's scope. Which rows the caller may change is decided here
 * with the same permission function the writes check, so the page never offers what the server refuses.
 */
import "server-only";
import { canWriteForTeam } from "@/lib/auth/permissions";
import type { Principal } from "@/lib/auth/principal";
import { pool } from "@/lib/db";
import { type Channel, listChannels, listRules, type Rule } from "./manage";

export type AlertSettings = {
  rules: (Rule & { canEdit: boolean; pipelineName: string | null })[];
  channels: (Channel & { canEdit: boolean })[];
  /** Teams the caller may create rules and channels for. */
  teams: { slug: string; name: string }[];
  /** Pipelines of those teams (a rule's narrower scope), by name. */
  pipelines: { id: number; name: string; team: string }[];
  isAdmin: boolean;
};

const PIPELINE_LIMIT = 1000;

/** Teams, the writable teams' pipelines and the names of the pipelines rules point at: one statement. */
const SCOPES_SQL = /* sql */ `
SELECT (SELECT coalesce(json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name', t.name) ORDER BY t.name), '[]')
          FROM team t) AS teams,
       (SELECT coalesce(json_agg(x ORDER BY x.name), '[]') FROM (
          SELECT p.id, p.name, t.slug AS team FROM pipeline p JOIN team t ON t.id = p.team_id
           WHERE $1 OR p.team_id = ANY($2::int[]) ORDER BY p.name LIMIT ${PIPELINE_LIMIT}) x) AS pipelines,
       (SELECT coalesce(json_object_agg(p.id, p.name), '{}') FROM pipeline p
         WHERE p.id IN (SELECT r.pipeline_id FROM alert_rule r WHERE r.pipeline_id IS NOT NULL)) AS rule_pipelines`;

type Scopes = {
  teams: { id: number; slug: string; name: string }[];
  pipelines: { id: number; name: string; team: string }[];
  rule_pipelines: Record<string, string>;
};

export async function getAlertSettings(principal: Principal): Promise<AlertSettings> {
  const { user } = principal;
  const memberOf = user.teams.filter((t) => t.role === "MEMBER").map((t) => t.id);
  const [rules, channels, scopes] = await Promise.all([
    listRules(),
    listChannels(),
    pool.query<Scopes>(SCOPES_SQL, [user.isAdmin, memberOf]),
  ]);
  const {
    teams,
    pipelines,
    rule_pipelines: ruleNames,
  } = scopes.rows[0] ?? {
    teams: [],
    pipelines: [],
    rule_pipelines: {},
  };
  const teamIds = new Map(teams.map((t) => [t.slug, t.id]));
  const writable = teams.filter((t) => canWriteForTeam(user, t.id));
  // Writes also need a token that allows them; a page is always a session, so canWrite is the session's.
  const canEdit = (team: string | null) =>
    principal.canWrite && (team === null ? user.isAdmin : canWriteForTeam(user, teamIds.get(team)));
  return {
    rules: rules.map((r) => ({
      ...r,
      canEdit: canEdit(r.team),
      pipelineName: r.pipelineId === null ? null : (ruleNames[String(r.pipelineId)] ?? null),
    })),
    channels: channels.map((c) => ({ ...c, canEdit: canEdit(c.team) })),
    teams: writable.map((t) => ({ slug: t.slug, name: t.name })),
    pipelines,
    isAdmin: user.isAdmin,
  };
}
