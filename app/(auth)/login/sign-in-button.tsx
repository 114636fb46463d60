"use client";

import { signIn } from "next-auth/react";
import { useEffect, useRef, useState } from "react";
import styles from "../auth.module.css";

/**
 * Starts the OIDC flow (next-auth: CSRF token, then redirect to the IdP). With
 * `auto`, it continues by itself, so a shared link goes straight to the IdP.
 * A fragment on the login URL (browsers keep it across the redirect from the
 * shared link) is put back on the callback path.
 */
export function SignInButton({
  providerName,
  callbackPath,
  auto,
  forceLogin,
}: {
  providerName: string;
  callbackPath: string;
  auto: boolean;
  forceLogin: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const started = useRef(false);

  const start = async () => {
    if (started.current) return;
    started.current = true;
    setBusy(true);
    setFailed(false);
    const hash = window.location.hash;
    const target = hash && !callbackPath.includes("#") ? `${callbackPath}${hash}` : callbackPath;
    try {
      await signIn("oidc", { callbackUrl: target }, forceLogin ? { prompt: "login" } : undefined);
    } catch {
      started.current = false;
      setBusy(false);
      setFailed(true);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once on mount by design
  useEffect(() => {
    if (auto) void start();
  }, []);

  return (
    <>
      <button type="button" className={styles.button} onClick={() => void start()} disabled={busy}>
        Sign in with {providerName}
      </button>
      <p className={styles.status} role="status" aria-live="polite">
        {failed ? "Could not reach the sign-in service. Try again." : busy ? `Continuing to ${providerName}…` : ""}
      </p>
    </>
  );
}
