import styles from "./run.module.css";
import type { StatusLook } from "./status";

/** Glyph + word on a tinted background; the word is what a screen reader hears. */
export function StatusBadge({ look, size = "md", detail }: { look: StatusLook; size?: "sm" | "md"; detail?: string }) {
  return (
    <span className={`${styles.badge} ${size === "sm" ? styles.badgeSm : ""}`} data-tone={look.tone}>
      <span aria-hidden="true" className={styles.badgeGlyph}>
        {look.glyph}
      </span>
      {look.label}
      {detail ? <span className={styles.badgeDetail}> {detail}</span> : null}
    </span>
  );
}
