/**
 * Page-facing reads about people and access: the caller's own API tokens, and
 * for admins the sessions and the audit log (lib/dal/guard.ts).
 */
import "server-only";
import { notFound } from "next/navigation";
import { listSettings } from "@/lib/admin/settings";
import { listAuditEntries } from "@/lib/audit/log";
import type { Principal } from "@/lib/auth/principal";
import { listSessions } from "@/lib/auth/session";
import { listApiTokens } from "@/lib/auth/tokens";
import { guardedFor } from "./guard";

function assertAdmin(principal: Principal): void {
  // Pages show their own notice to non-admins before asking; reaching here without the right is a bug.
  if (!principal.user.isAdmin) notFound();
}

/** The signed-in user's own tokens. */
export const listMyApiTokens = guardedFor((principal) => listApiTokens({ userId: principal.user.id }));

export const listAllSessions = guardedFor(async (principal) => {
  assertAdmin(principal);
  return listSessions();
});

export const listAuditLog = guardedFor(async (principal, options: { limit: number; action?: string }) => {
  assertAdmin(principal);
  return listAuditEntries(options);
});

export const listAdminSettings = guardedFor(async (principal) => {
  assertAdmin(principal);
  return listSettings();
});
