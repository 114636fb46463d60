import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Logo } from "@/components/ui/logo";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { oidcSettings } from "@/lib/auth/config";
import { getPrincipal } from "@/lib/auth/current";
import styles from "../auth.module.css";
import { SignInButton } from "./sign-in-button";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

const ERRORS: Record<string, string> = {
  AccessDenied: "Access was denied. Ask your administrator for access to Stepwise.",
  OAuthCallback: "Sign-in did not complete (it was cancelled or expired). Try again.",
  OAuthSignin: "Could not start sign-in with the identity provider. Try again.",
  Callback: "Sign-in did not complete. Try again.",
  SessionRequired: "Sign in to continue.",
  EmailNotVerified:
    "Your identity provider has not verified your e-mail address, and Stepwise only signs in verified addresses. Ask your administrator.",
};

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackPath = safeCallbackPath(first(params.callbackUrl));
  const error = first(params.error);
  const signedOut = first(params.signedOut) !== undefined;

  if (!error && !signedOut && (await getPrincipal())) redirect(callbackPath);

  const settings = oidcSettings();
  return (
    <div className={styles.card}>
      <p className={styles.brand}>
        <Logo size={22} />
        <span>Stepwise</span>
      </p>
      <h1 className={styles.title}>{signedOut ? "You are signed out" : "Sign in"}</h1>
      <p className={styles.lead}>
        {signedOut
          ? "Your Stepwise session has ended on this device."
          : "Stepwise uses your company account. You will come back to the page you opened."}
      </p>
      {error ? (
        <p className={styles.error} role="alert">
          {ERRORS[error] ?? "Sign-in failed. Try again."}
        </p>
      ) : null}
      {settings ? (
        <SignInButton
          providerName={settings.name}
          callbackPath={callbackPath}
          auto={!error && !signedOut}
          forceLogin={signedOut}
        />
      ) : (
        <p className={styles.notice} role="alert">
          Sign-in is not configured: set <code>OIDC_ISSUER</code>, <code>OIDC_CLIENT_ID</code> and{" "}
          <code>OIDC_CLIENT_SECRET</code>, or start Stepwise with <code>npm start</code> to use the local demo identity
          provider.
        </p>
      )}
      <p className={styles.footer}>Access is limited to signed-in members of your organisation.</p>
    </div>
  );
}
