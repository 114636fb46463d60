/**
 * The pager under a cursor-paged table (the runs of a pipeline, the pipelines index): what the page
 * holds, then First page / ← Previous / Next → for the links there are.
 */
import Link from "next/link";
import type { ReactNode } from "react";
import ui from "./ui.module.css";

export function Pager({
  label,
  children,
  first,
  prev,
  next,
  scroll,
}: {
  label: string;
  /** What the page holds ("42 runs match"). */
  children: ReactNode;
  first?: string | null;
  prev: string | null;
  next: string | null;
  /** false: following a link keeps the scroll position (the table is below a graph). */
  scroll?: boolean;
}) {
  return (
    <nav className={ui.pager} aria-label={label}>
      {children}
      <span className={ui.spacer} />
      {first ? (
        <Link className={ui.button} href={first} scroll={scroll}>
          First page
        </Link>
      ) : null}
      {prev ? (
        <Link className={ui.button} href={prev} rel="prev" scroll={scroll}>
          ← Previous
        </Link>
      ) : null}
      {next ? (
        <Link className={ui.button} href={next} rel="next" scroll={scroll}>
          Next →
        </Link>
      ) : null}
    </nav>
  );
}
