import type { z } from "zod";
import { withApi } from "@/lib/api/handler";
import type { Me } from "@/lib/api/schemas";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read" }, async ({ principal }): Promise<z.infer<typeof Me>> => {
  const { user } = principal;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    isAdmin: user.isAdmin,
    teams: user.teams.map((team) => ({ id: team.slug, slug: team.slug, name: team.name, role: team.role })),
    via: principal.via,
    canWrite: principal.canWrite,
  };
});
