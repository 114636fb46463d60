"use client";
/**
 * Keyboard moves through a run like through a mail list: j / k put the focus on the next / previous step of the
 * timeline (in the order it shows them), Enter opens the focused step (the row is a button), Esc closes the
 * step panel. Keys typed into a field, with a modifier, or while a dialog is open are left alone.
 */
import { useEffect } from "react";

const ROW_BUTTONS = "[data-testid^='timeline-row-'] button[aria-pressed]";

export function useStepKeys({ open, onClose }: { open: boolean; onClose: () => void }): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest("input, textarea, select, [contenteditable='true'], dialog")) return;
      if (document.querySelector("dialog[open]")) return;
      if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          onClose();
        }
        return;
      }
      if (event.key !== "j" && event.key !== "k") return;
      // The timeline draws only the rows near its viewport, each placed by a transform: order them as shown.
      const buttons = [...document.querySelectorAll<HTMLButtonElement>(ROW_BUTTONS)].sort(
        (a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top,
      );
      if (buttons.length === 0) return;
      const focused = buttons.indexOf(document.activeElement as HTMLButtonElement);
      const from = focused >= 0 ? focused : buttons.findIndex((b) => b.getAttribute("aria-pressed") === "true");
      const next = from < 0 ? (event.key === "j" ? 0 : buttons.length - 1) : from + (event.key === "j" ? 1 : -1);
      const button = buttons[Math.max(0, Math.min(buttons.length - 1, next))];
      if (!button) return;
      event.preventDefault();
      button.focus();
      button.scrollIntoView({ block: "nearest" });
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open, onClose]);
}
