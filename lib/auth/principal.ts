import type { TeamRole } from "@/lib/generated/prisma/client";

export type UserTeam = { id: number; slug: string; name: string; role: TeamRole };

/** A signed-in user as the rest of the product sees them. */
export type AuthUser = {
  id: string;
  email: string | null;
  name: string | null;
  isAdmin: boolean;
  teams: UserTeam[];
};

/** Who is making a request, and through what: a browser session or an API token. */
export type Principal = {
  user: AuthUser;
  via: "session" | "token";
  /** Session row id or API token id. */
  credentialId: string;
  /** False for read-only API tokens. */
  canWrite: boolean;
};

/** The audit log's "via" column for a principal. */
export function auditVia(principal: Principal): string {
  return principal.via === "session" ? "session" : `token:${principal.credentialId}`;
}

export const userInclude = {
  memberships: { include: { team: { select: { id: true, slug: true, name: true } } } },
} as const;

export function toAuthUser(user: {
  id: string;
  email: string | null;
  name: string | null;
  isAdmin: boolean;
  memberships: { role: TeamRole; team: { id: number; slug: string; name: string } }[];
}): AuthUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    isAdmin: user.isAdmin,
    teams: user.memberships
      .map((m) => ({ id: m.team.id, slug: m.team.slug, name: m.team.name, role: m.role }))
      .sort((a, b) => a.slug.localeCompare(b.slug)),
  };
}
