"use client";

import styles from "./live-indicator.module.css";
import { type LiveStatus, useLiveStatus } from "./live-provider";

const LABELS: Record<LiveStatus, { text: string; glyph: string; title: string }> = {
  idle: { text: "Live", glyph: "○", title: "Nothing on this page needs live updates" },
  connecting: { text: "Connecting…", glyph: "◌", title: "Opening the live update stream" },
  live: { text: "Live", glyph: "●", title: "Updates arrive as they happen" },
  reconnecting: {
    text: "Reconnecting…",
    glyph: "◌",
    title: "Live stream interrupted; refreshing every 10 s until it is back",
  },
  "signed-out": { text: "Signed out", glyph: "■", title: "Your session ended; reload to sign in again" },
};

/** Small live / reconnecting badge. Text and glyph carry the state, colour only reinforces it. */
export function LiveIndicator() {
  const status = useLiveStatus();
  const label = LABELS[status];
  return (
    <span className={styles.indicator} data-status={status} title={label.title} role="status" aria-live="polite">
      <span aria-hidden="true">{label.glyph}</span> {label.text}
    </span>
  );
}
