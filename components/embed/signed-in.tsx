"use client";

import { useEffect, useState } from "react";
import { SIGNED_IN_MESSAGE } from "./embed-signin";

/** Tells the frame that opened this popup that the session exists (same origin only), then closes. */
export function SignedIn({ name }: { name: string }) {
  const [told, setTold] = useState(false);
  useEffect(() => {
    if (!window.opener) return;
    (window.opener as Window).postMessage(SIGNED_IN_MESSAGE, window.location.origin);
    setTold(true);
    window.close();
  }, []);
  return (
    <div style={{ maxWidth: 420, margin: "48px auto", textAlign: "center" }}>
      <h1>Signed in</h1>
      <p>
        Signed in as {name}. {told ? "You can close this window." : "Go back to the page you came from."}
      </p>
    </div>
  );
}
