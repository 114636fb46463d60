"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { type ReactNode, Suspense, useEffect } from "react";
import { LiveIndicator } from "@/components/live/live-indicator";
import { Logo } from "@/components/ui/logo";
import { fullPageFor, leavesEmbed } from "@/lib/embed/links";
import styles from "./embed.module.css";
import { remember } from "./signin-return";

/**
 * The chrome of an embeddable view: a thin bar with the product, the live status and a link out to the full
 * page. Inside a frame, a link to any other page would load the whole portal into the frame: such links open
 * in a new tab instead (one capturing listener, so the views' own components need no embed mode).
 */
export function EmbedFrame({ children }: { children: ReactNode }) {
  // A view rendered: the frame has a session, so a later sign-in prompt starts afresh (./signin-return.ts).
  useEffect(() => remember(false), []);

  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0) return;
      const anchor = (event.target as Element | null)?.closest?.("a[href]");
      if (!(anchor instanceof HTMLAnchorElement) || anchor.target === "_blank") return;
      if (!leavesEmbed(anchor.getAttribute("href") ?? "", window.location.href)) return;
      event.preventDefault();
      event.stopPropagation();
      window.open(anchor.href, "_blank", "noopener,noreferrer");
    };
    document.addEventListener("click", onClick, true);
    return () => document.removeEventListener("click", onClick, true);
  }, []);

  // Only the bar waits for the search params: the page itself renders outside any Suspense boundary, so
  // its notFound() still answers 404 rather than a streamed 200.
  return (
    <>
      <header className={styles.bar}>
        <span className={styles.brand}>
          <Logo />
          <span>Stepwise</span>
        </span>
        <LiveIndicator />
        <Suspense>
          <OpenInStepwise />
        </Suspense>
      </header>
      <main id="main" className={styles.main}>
        {children}
      </main>
    </>
  );
}

function OpenInStepwise() {
  const full = fullPageFor(usePathname(), useSearchParams().toString());
  return (
    <a className={styles.open} href={full} target="_blank" rel="noopener noreferrer">
      Open in Stepwise <span aria-hidden="true">↗</span>
      <span className="visually-hidden"> (opens in a new tab)</span>
    </a>
  );
}
