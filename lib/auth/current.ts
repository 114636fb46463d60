/**
 * The signed-in user for server components, layouts and server actions (reads
 * the session cookie through next/headers and checks the database row).
 * Cached per request, so a layout and its page share one lookup.
 */
import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { safeCallbackPath } from "./callback-url";
import { cookieNames, PATH_HEADER } from "./config";
import type { AuthUser, Principal } from "./principal";
import { type ActiveSession, findActiveSession, sessionPrincipal } from "./session";

export const getCurrentSession = cache(async (): Promise<ActiveSession | null> => {
  const store = await cookies();
  return findActiveSession(store.get(cookieNames().sessionToken)?.value);
});

export function loginUrl(callbackPath: string | null | undefined): string {
  const target = safeCallbackPath(callbackPath);
  return `/login?callbackUrl=${encodeURIComponent(target)}`;
}

async function currentPath(): Promise<string | null> {
  return (await headers()).get(PATH_HEADER);
}

/** The signed-in user, or a redirect to login that comes back to this exact page. */
export async function requireUser(): Promise<AuthUser> {
  return (await requirePrincipal()).user;
}

export async function requirePrincipal(): Promise<Principal> {
  const session = await getCurrentSession();
  if (!session) redirect(loginUrl(await currentPath()));
  return sessionPrincipal(session);
}
