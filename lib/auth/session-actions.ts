"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { requestContextFromHeaders, runWithRequestContext } from "@/lib/audit/request-context";
import { cookieNames, secureCookiesEnabled } from "./config";
import { getPrincipal } from "./current";
import { revokeAllSessions, revokeSession } from "./session";

async function clearSessionCookie(): Promise<void> {
  const secure = secureCookiesEnabled();
  (await cookies()).set(cookieNames(secure).sessionToken, "", {
    path: "/",
    maxAge: 0,
    httpOnly: true,
    sameSite: "lax",
    secure,
  });
}

/** Ends this browser's session: the row is deleted, so the cookie is worthless even if kept. */
export async function signOutAction(): Promise<void> {
  const principal = await getPrincipal();
  if (principal) {
    await runWithRequestContext(requestContextFromHeaders(await headers()), () =>
      revokeSession({ sessionId: principal.credentialId, actor: principal.user, via: "session", reason: "sign-out" }),
    );
  }
  await clearSessionCookie();
  redirect("/login?signedOut=1");
}

/** Ends every session of the signed-in user, on every device. */
export async function signOutEverywhereAction(): Promise<void> {
  const principal = await getPrincipal();
  if (principal) {
    await runWithRequestContext(requestContextFromHeaders(await headers()), () =>
      revokeAllSessions({ userId: principal.user.id, actor: principal.user, via: "session" }),
    );
  }
  await clearSessionCookie();
  redirect("/login?signedOut=1");
}
