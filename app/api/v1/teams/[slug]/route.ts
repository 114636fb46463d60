import type { z } from "zod";
import { withApi } from "@/lib/api/handler";
import { type Team, TeamSlugParams, UpdateTeamBody } from "@/lib/api/schemas";
import { assertCanWriteForTeam, canWriteForTeam } from "@/lib/auth/permissions";
import { getTeamBySlug, renameTeam } from "@/lib/auth/teams";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", params: TeamSlugParams }, async ({ params, principal }) => {
  const team = await getTeamBySlug({ slug: params.slug });
  const body: z.infer<typeof Team> = {
    id: team.slug,
    slug: team.slug,
    name: team.name,
    members: team._count.memberships,
    canWrite: canWriteForTeam(principal.user, team.id),
  };
  return body;
});

/** A small real team write: renaming a team, allowed to its members and admins, audited by withApi. */
export const PATCH = withApi(
  { scope: "write", params: TeamSlugParams, body: UpdateTeamBody, action: "team.update" },
  async ({ params, body, principal, auditTarget }) => {
    const team = await getTeamBySlug({ slug: params.slug });
    auditTarget({ type: "team", id: team.slug, details: { from: team.name, to: body.name } });
    assertCanWriteForTeam(principal, team.id);
    const updated = await renameTeam({ teamId: team.id, name: body.name });
    const result: z.infer<typeof Team> = {
      ...updated,
      id: updated.slug,
      members: team._count.memberships,
      canWrite: true,
    };
    return result;
  },
);
