/**
 * A wide table that keeps every column reachable at any width: it scrolls sideways inside this frame
 * (never the page), the frame is a named, focusable region so the keyboard scrolls it too (arrow keys),
 * and the first `sticky` columns (the row's name) stay put while the rest scroll under them.
 */
import { Fragment, type ReactNode } from "react";
import styles from "./ui.module.css";

export function TableScroll({
  label,
  sticky = 1,
  children,
}: {
  /** Names the region for screen readers ("Runs, scrollable"). */
  label: string;
  /** 1: the first column stays; 2: the first two (a narrow selection column, then the name). */
  sticky?: 1 | 2;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable to scroll it by keyboard (WCAG 2.1.1).
    <section className={styles.tableScroll} aria-label={label} tabIndex={0} data-sticky={sticky}>
      {children}
    </section>
  );
}

/**
 * A long identifier ("business:expected_return_cost_eur") that may wrap after its ":" and "_" when its
 * column is narrow, instead of widening the table; the text itself is unchanged.
 */
export function Breakable({ text }: { text: string }) {
  let at = 0;
  return (
    <>
      {text.split(/(?<=[:_./])/).map((part) => {
        const key = at;
        at += part.length;
        return (
          <Fragment key={key}>
            {part}
            <wbr />
          </Fragment>
        );
      })}
    </>
  );
}
