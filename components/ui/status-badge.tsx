/**
 * The one status badge of Stepwise: glyph + word on a tint of the status's colour, for run, step,
 * graph-node and SageMaker job statuses alike (lib/status.ts has the vocabulary). The word is what a
 * screen reader hears; the glyph is hidden from it. `data-status-badge` / `data-status` let tests read
 * any badge on any page. `Badge` is the same look for the other statuses (model cards, approvals).
 */
import type { ReactNode } from "react";
import { jobLook, nodeLook, runLook, type StatusLook, stepLook, type Tone } from "@/lib/status";
import styles from "./status-badge.module.css";

export type StatusKind = "run" | "step" | "node" | "job";

const LOOKUP: Record<StatusKind, (status: string) => StatusLook> = {
  run: runLook,
  step: stepLook,
  node: nodeLook,
  job: jobLook,
};

type BadgeProps = {
  tone: Tone;
  glyph: string;
  children: ReactNode;
  size?: "sm" | "md";
  /** Quiet text after the word ("· 3 attempts"). */
  detail?: string;
  testId?: string;
};

/** Glyph + word, tinted by tone (data-tone → --tone / --tone-bg in app/globals.css); never colour alone. */
export function Badge({ tone, glyph, children, size = "md", detail, testId, ...data }: BadgeProps & DataAttributes) {
  return (
    <span
      className={size === "sm" ? `${styles.badge} ${styles.sm}` : styles.badge}
      data-tone={tone}
      data-testid={testId}
      {...data}
    >
      <span aria-hidden="true" className={styles.glyph} data-part="glyph">
        {glyph}
      </span>
      <span data-part="word">{children}</span>
      {detail ? <span className={styles.detail}> {detail}</span> : null}
    </span>
  );
}

type DataAttributes = { [key: `data-${string}`]: string | undefined };

export function StatusBadge({
  status,
  kind = "run",
  size,
  detail,
}: {
  status: string;
  kind?: StatusKind;
  size?: "sm" | "md";
  detail?: string;
}) {
  const look = LOOKUP[kind](status);
  return (
    <Badge
      tone={look.tone}
      glyph={look.glyph}
      size={size}
      detail={detail}
      data-status-badge={kind}
      data-status={status}
    >
      {look.word}
    </Badge>
  );
}
