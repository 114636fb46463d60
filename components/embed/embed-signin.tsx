"use client";

import { useEffect, useRef, useState } from "react";
import { Logo } from "@/components/ui/logo";
import { fullPageFor } from "@/lib/embed/links";
import styles from "./embed.module.css";
import { remember, returned } from "./signin-return";

export const SIGNED_IN_MESSAGE = "stepwise:signed-in";
const POPUP_URL = `/login?callbackUrl=${encodeURIComponent("/embed/signed-in")}`;

type StorageAccessDocument = Document & {
  hasStorageAccess?: () => Promise<boolean>;
  requestStorageAccess?: () => Promise<void>;
};

/**
 * Whether this frame's own requests carry a Stepwise session: next-auth's session endpoint answers `{}` without
 * one. Asked after the popup (and after any storage-access request) rather than reloading blindly: a browser that
 * keeps third-party cookies apart, or a session cookie that is not SameSite=None (Stepwise served without TLS),
 * leaves the frame without the session even though the popup signed in.
 */
async function frameHasSession(): Promise<boolean> {
  try {
    const answer = await fetch("/api/auth/session", { cache: "no-store", credentials: "same-origin" });
    if (!answer.ok) return false;
    const body = (await answer.json()) as { user?: unknown } | null;
    return Boolean(body?.user);
  } catch {
    return false;
  }
}

/** The framed sign-in prompt: a popup signs in, then the frame reloads the view it was asked for. */
export function EmbedSignIn({ next }: { next: string }) {
  const [state, setState] = useState<"idle" | "waiting" | "blocked" | "needs-access" | "no-session">("idle");
  const popup = useRef<Window | null>(null);
  const [path = "", search = ""] = next.split("?");
  const fullPage = fullPageFor(path, search);

  useEffect(() => {
    if (returned()) {
      remember(false);
      setState("no-session");
    }
  }, []);

  useEffect(() => {
    const onMessage = async (event: MessageEvent) => {
      if (event.origin !== window.location.origin || event.data !== SIGNED_IN_MESSAGE) return;
      const doc = document as StorageAccessDocument;
      // A browser that blocks third-party cookies needs the user's consent before the frame may use the session.
      if (window.top !== window && doc.hasStorageAccess && !(await doc.hasStorageAccess())) {
        setState("needs-access");
        return;
      }
      await reloadWithSession(next, () => setState("no-session"));
    };
    window.addEventListener("message", onMessage);
    return () => window.removeEventListener("message", onMessage);
  }, [next]);

  const open = () => {
    popup.current = window.open(POPUP_URL, "stepwise-signin", "popup,width=520,height=680");
    setState(popup.current ? "waiting" : "blocked");
  };

  const allow = async () => {
    const doc = document as StorageAccessDocument;
    try {
      // First thing in the click handler: the browser grants storage access only during a user gesture.
      await doc.requestStorageAccess?.();
    } catch {
      // Refused: the check below finds no session, and the prompt explains and links out.
    }
    await reloadWithSession(next, () => setState("no-session"));
  };

  return (
    <div className={styles.signin}>
      <p className={styles.brand} style={{ justifyContent: "center" }}>
        <Logo />
        <span>Stepwise</span>
      </p>
      <h1>Sign in to see this view</h1>
      {state === "no-session" ? (
        <>
          <p>
            You signed in, but this frame cannot use your Stepwise session: your browser blocks third-party cookies
            here, or Stepwise is not served over HTTPS.
          </p>
          <a className={styles.button} href={fullPage} target="_blank" rel="noopener">
            Open this view in Stepwise
          </a>
          <p>
            <button type="button" className={styles.linkButton} onClick={open}>
              Try signing in again
            </button>
          </p>
        </>
      ) : state === "needs-access" ? (
        <>
          <p>You are signed in. Your browser asks before this frame may use your Stepwise session.</p>
          <button type="button" className={styles.button} onClick={allow}>
            Continue
          </button>
        </>
      ) : (
        <>
          <p>This view is part of Stepwise and needs your company sign-in.</p>
          <button type="button" className={styles.button} onClick={open}>
            Sign in
          </button>
          <p role="status" aria-live="polite">
            {state === "waiting" ? "Finish signing in in the window that opened." : null}
            {state === "blocked" ? "The sign-in window was blocked: " : null}
            {state === "blocked" ? (
              <a href={POPUP_URL} target="_blank" rel="noopener">
                open the sign-in in a new tab
              </a>
            ) : null}
          </p>
        </>
      )}
    </div>
  );
}

/**
 * Reloads the frame on the view once its requests carry the session (the flag of ./signin-return.ts guards a
 * browser that still drops it on the way), or reports that they do not.
 */
async function reloadWithSession(next: string, noSession: () => void): Promise<void> {
  if (await frameHasSession()) {
    remember(true);
    window.location.replace(next);
  } else {
    remember(false);
    noSession();
  }
}
