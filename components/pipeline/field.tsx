"use client";
import { type ReactNode, useId } from "react";
import styles from "./pipeline.module.css";

/** A labelled filter control: the label names only the control ("Team", not "Team All teams …"). */
export function Field({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className={styles.field}>
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}
