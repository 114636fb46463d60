/**
 * Who may change a saved view: the user who owns it, members of the team that owns it, admins. Anyone signed in
 * may open one (reading is open in this portal; a view is only a set of URL parameters).
 */
import { canWriteForTeam } from "@/lib/auth/permissions";
import type { AuthUser } from "@/lib/auth/principal";

export function canChangeView(user: AuthUser, view: { userId: string | null; teamId: number | null }): boolean {
  if (user.isAdmin) return true;
  if (view.userId !== null) return view.userId === user.id;
  return canWriteForTeam(user, view.teamId);
}
