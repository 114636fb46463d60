"use client";
import { useState } from "react";
import styles from "./run.module.css";

/** Copies the page URL with its view state (selected step, tab, zoom, window, iteration) for sharing. */
export function CopyLink() {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      setState("copied");
    } catch {
      // Clipboard refused (insecure context, permissions): the address bar has the same link.
      setState("failed");
    }
    setTimeout(() => setState("idle"), 2000);
  };
  return (
    <>
      <button type="button" className={styles.button} onClick={copy} data-testid="copy-link">
        <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
          <path
            d="M6.5 9.5l3-3M7 4.5l1.2-1.2a2.6 2.6 0 013.7 3.7L10.7 8.2M9 11.5l-1.2 1.2a2.6 2.6 0 01-3.7-3.7L5.3 7.8"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.5"
            strokeLinecap="round"
          />
        </svg>
        {state === "copied" ? "Link copied" : "Copy link"}
      </button>
      <span className="visually-hidden" role="status">
        {state === "copied"
          ? "Link to this view copied"
          : state === "failed"
            ? "Could not copy; copy the address bar instead"
            : ""}
      </span>
    </>
  );
}
