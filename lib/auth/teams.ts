/**
 * Teams come from the IdP's groups claim: at each login the user's "idp"
 * memberships are replaced by what the claim says now (teams are created on the
 * fly); "manual" memberships are left alone. Group → team slug:
 *   "Fit and Size"        → fit-and-size            (MEMBER)
 *   "returns-reviewers"   → returns                 (REVIEWER, TEAM_REVIEWER_SUFFIX)
 *   TEAM_GROUP_PREFIX="ml-": "ml-forecasting" → forecasting, "hr-all" ignored
 *   Keycloak full paths are compared whole: "/org/ml/Forecasting" → org-ml-forecasting, and with
 *   TEAM_GROUP_PREFIX="/org/ml/" → forecasting
 * The admin group (STEPWISE_ADMIN_GROUP) sets User.isAdmin and is not a team; it too is compared
 * whole, so "/x/stepwise-admins" is not the admin group.
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

/**
 * A group as the IdP names it, compared whole: surrounding spaces and the leading "/" of a Keycloak
 * full path are dropped ("/stepwise-admins" is "stepwise-admins"), but a nested path stays a path:
 * "/x/stepwise-admins" is NOT the admin group, and "/other/fit-and-size" is not team fit-and-size.
 */
export function normaliseGroup(group: string): string {
  return group.trim().replace(/^\/+/, "");
}

/** Pure: what a groups claim means for Stepwise (exported for tests). */
export function mapGroups(groups: readonly string[]): GroupMapping {
  const adminGroup = normaliseGroup(authSettings.adminGroup());
  const prefix = normaliseGroup(authSettings.teamGroupPrefix());
  const reviewerSuffix = authSettings.reviewerSuffix();
  const teams = new Map<string, { slug: string; name: string; role: TeamRole }>();
  let isAdmin = false;
  for (const raw of groups) {
    const group = normaliseGroup(raw);
    if (!group) continue;
    if (group === adminGroup) {
      isAdmin = true;
      continue;
    }
    // With a prefix (TEAM_GROUP_PREFIX="ml-" or a Keycloak parent "/ml/"), only groups under it are teams.
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
