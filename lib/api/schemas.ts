/**
 * Zod schemas of the API's shared shapes and of /api/v1/me and /api/v1/teams.
 * Free of server imports: route handlers validate with them and the OpenAPI
 * document (lib/api/openapi.ts) is generated from them.
 */
import { z } from "zod";

/** The shared error schema (lib/error-schema.ts), re-exported for the OpenAPI modules. */
export { ErrorResponse } from "@/lib/error-schema";

/** A team's public identifier is its slug: the `{slug}` of /api/v1/teams/{slug}. */
const TeamId = z
  .string()
  .meta({ description: "The team's slug, as in /api/v1/teams/{slug}.", example: "fit-and-size" });

export const TeamMembership = z
  .object({
    id: TeamId,
    slug: z.string(),
    name: z.string(),
    role: z.enum(["MEMBER", "REVIEWER"]),
  })
  .meta({ id: "TeamMembership" });

export const Me = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    isAdmin: z.boolean(),
    teams: z.array(TeamMembership),
    via: z.enum(["session", "token"]),
    canWrite: z.boolean().meta({ description: "False for read-only API tokens." }),
  })
  .meta({ id: "Me", description: "The caller: the signed-in user or the owner of the API token." });

export const Team = z
  .object({
    id: TeamId,
    slug: z.string(),
    name: z.string(),
    members: z.number().int(),
    canWrite: z.boolean().meta({ description: "Whether the caller may change this team's resources." }),
  })
  .meta({ id: "Team" });

export const TeamSlugParams = z.object({
  slug: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9-]+$/, "a team slug is lower-case letters, digits and dashes"),
});

export const UpdateTeamBody = z
  .object({ name: z.string().trim().min(1, "The team name cannot be empty.").max(100) })
  .meta({ id: "UpdateTeam" });
