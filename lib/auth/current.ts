/**
 * The verified principal of the current request, for every page, metadata
 * function, server component and server action: `getPrincipal()` reads the
 * session cookie through next/headers and checks it in Postgres (one SQL
 * statement, lib/auth/authenticate.ts), cached per request with React's cache,
 * so a page, its metadata and any server component share one lookup. Layouts
 * and the proxy are never the guard: a client navigation (RSC request) renders
 * the page and its metadata without the layouts above them.
 *
 * Pages do not read the database directly: they read through lib/dal, whose
 * functions call requirePrincipal() themselves (and Biome refuses other imports
 * from app/(portal), app/(print) and app/(auth)).
 */
import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { authenticate } from "./authenticate";
import { signInPath } from "./callback-url";
import { cookieNames, PATH_HEADER } from "./config";
import type { AuthUser, Principal } from "./principal";

/** The signed-in principal (browser session), or null. One SQL statement per request, whoever asks. */
export const getPrincipal = cache(async (): Promise<Principal | null> => {
  const store = await cookies();
  const sessionToken = store.get(cookieNames().sessionToken)?.value ?? null;
  if (!sessionToken) return null;
  const result = await authenticate({ sessionToken, bearer: null });
  return result.ok ? result.principal : null;
});

export function loginUrl(callbackPath: string | null | undefined): string {
  return signInPath(callbackPath);
}

async function currentPath(): Promise<string | null> {
  return (await headers()).get(PATH_HEADER);
}

/** The signed-in principal, or a redirect to login that comes back to this exact page. */
export async function requirePrincipal(): Promise<Principal> {
  const principal = await getPrincipal();
  if (!principal) redirect(loginUrl(await currentPath()));
  return principal;
}

export async function requireUser(): Promise<AuthUser> {
  return (await requirePrincipal()).user;
}
