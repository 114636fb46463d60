/**
 * Teams come from the IdP's groups claim: at each login the user's "idp"
 * memberships are replaced by what the claim says now (teams are created on the
 * fly); "manual" memberships are left alone. Group → team slug:
 *   "Fit and Size"        → fit-and-size            (MEMBER)
 *   "returns-reviewers"   → returns                 (REVIEWER, TEAM_REVIEWER_SUFFIX)
 *   TEAM_GROUP_PREFIX="ml-": "ml-forecasting" → forecasting, "hr-all" ignored
 * The admin group (STEPWISE_ADMIN_GROUP) sets User.isAdmin and is not a team.
 */
import "server-only";
import { prisma } from "@/lib/db";
import { notFound } from "@/lib/errors";
import type { TeamRole } from "@/lib/generated/prisma/client";
import { authSettings } from "./config";

export function slugify(value: string): string {
  return value
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

export type GroupMapping = { isAdmin: boolean; teams: { slug: string; name: string; role: TeamRole }[] };

/** Pure: what a groups claim means for Stepwise (exported for tests). */
export function mapGroups(groups: readonly string[]): GroupMapping {
  const adminGroup = authSettings.adminGroup();
  const prefix = authSettings.teamGroupPrefix();
  const reviewerSuffix = authSettings.reviewerSuffix();
  const teams = new Map<string, { slug: string; name: string; role: TeamRole }>();
  let isAdmin = false;
  for (const raw of groups) {
    // Keycloak sends "/path/to/group"; take the last segment.
    const group = raw.trim().replace(/^\/+/, "").split("/").pop() ?? "";
    if (!group) continue;
    if (group === adminGroup || raw === adminGroup) {
      isAdmin = true;
      continue;
    }
    if (prefix && !group.startsWith(prefix)) continue;
    let name = prefix ? group.slice(prefix.length) : group;
    let role: TeamRole = "MEMBER";
    if (reviewerSuffix && name.endsWith(reviewerSuffix) && name.length > reviewerSuffix.length) {
      name = name.slice(0, -reviewerSuffix.length);
      role = "REVIEWER";
    }
    const slug = slugify(name);
    if (!slug) continue;
    const existing = teams.get(slug);
    // Membership as a writer wins over reviewer when both groups are present.
    if (!existing || (existing.role === "REVIEWER" && role === "MEMBER")) teams.set(slug, { slug, name, role });
  }
  return { isAdmin, teams: [...teams.values()] };
}

/** Reads the groups claim from an OIDC profile: an array, or a comma/space separated string. */
export function groupsFromProfile(profile: Record<string, unknown> | undefined): string[] {
  const value = profile?.[authSettings.groupsClaim()];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  if (typeof value === "string") return value.split(/[,\s]+/).filter(Boolean);
  return [];
}

export async function syncMembershipsFromGroups({ userId, groups }: { userId: string; groups: readonly string[] }) {
  const mapping = mapGroups(groups);
  await prisma.$transaction(async (tx) => {
    const teamIds: { id: number; role: TeamRole }[] = [];
    for (const team of mapping.teams) {
      const row = await tx.team.upsert({
        where: { slug: team.slug },
        create: { slug: team.slug, name: team.name },
        update: {},
        select: { id: true },
      });
      teamIds.push({ id: row.id, role: team.role });
    }
    await tx.membership.deleteMany({
      where: { userId, origin: "idp", teamId: { notIn: teamIds.map((t) => t.id) } },
    });
    for (const team of teamIds) {
      await tx.membership.upsert({
        where: { userId_teamId: { userId, teamId: team.id } },
        create: { userId, teamId: team.id, role: team.role, origin: "idp" },
        // A manual membership stays manual; an IdP one follows the claim.
        update: { role: team.role },
      });
    }
    await tx.user.update({ where: { id: userId }, data: { isAdmin: mapping.isAdmin, lastLoginAt: new Date() } });
  });
  return mapping;
}

export async function getTeamBySlug({ slug }: { slug: string }) {
  const team = await prisma.team.findUnique({
    where: { slug },
    select: { id: true, slug: true, name: true, createdAt: true, _count: { select: { memberships: true } } },
  });
  if (!team) throw notFound(`No team "${slug}".`);
  return team;
}

export async function listTeams() {
  return prisma.team.findMany({ orderBy: { slug: "asc" }, select: { id: true, slug: true, name: true } });
}

export async function renameTeam({ teamId, name }: { teamId: number; name: string }) {
  return prisma.team.update({ where: { id: teamId }, data: { name }, select: { id: true, slug: true, name: true } });
}
