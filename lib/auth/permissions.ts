/**
 * Who may do what. Reading is open to every signed-in user (internal portal);
 * writing needs membership of the owning team (role MEMBER) or the admin group.
 * REVIEWER memberships grant review rights only (canReviewForTeam), e.g. for
 * approving model cards. Domain modules add lib/<domain>/permissions.ts built on
 * these; every write checks on the server.
 */
import { forbidden } from "@/lib/errors";
import type { AuthUser, Principal } from "./principal";

export function isAdmin(user: AuthUser): boolean {
  return user.isAdmin;
}

export function canWriteForTeam(user: AuthUser, teamId: number | null | undefined): boolean {
  if (user.isAdmin) return true;
  if (teamId === null || teamId === undefined) return false;
  return user.teams.some((team) => team.id === teamId && team.role === "MEMBER");
}

export function canReviewForTeam(user: AuthUser, teamId: number | null | undefined): boolean {
  if (user.isAdmin) return true;
  if (teamId === null || teamId === undefined) return false;
  return user.teams.some((team) => team.id === teamId);
}

/** Throws 403 unless the principal may write for the team (and, for tokens, the token allows writes). */
export function assertCanWriteForTeam(principal: Principal, teamId: number | null | undefined): void {
  if (!principal.canWrite) throw forbidden("This API token is read-only.");
  if (!canWriteForTeam(principal.user, teamId)) {
    throw forbidden("Only members of the owning team (or admins) can change this.");
  }
}

export function assertAdmin(principal: Principal): void {
  if (!principal.user.isAdmin) throw forbidden("Only Stepwise admins can do this.");
}
