"use client";
/**
 * The runs picked for comparison on the pipeline page (from the runs table or the graph), kept in the
 * URL as `?sel=a,b` (history.replaceState: no server round trip) so a reload or a shared link keeps it.
 */
import Link from "next/link";
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import ui from "@/components/ui/ui.module.css";
import { MAX_COMPARE } from "@/lib/pipelines/constants";
import styles from "./pipeline.module.css";

type Selection = { selected: string[]; toggle: (publicId: string) => void; clear: () => void };
const SelectionContext = createContext<Selection | null>(null);

function writeUrl(selected: string[]) {
  const url = new URL(window.location.href);
  if (selected.length) url.searchParams.set("sel", selected.join(","));
  else url.searchParams.delete("sel");
  window.history.replaceState(window.history.state, "", url);
}

export function SelectionProvider({ initial, children }: { initial: string[]; children: ReactNode }) {
  const [selected, setSelected] = useState(initial);
  const toggle = useCallback((publicId: string) => {
    setSelected((current) => {
      const next = current.includes(publicId)
        ? current.filter((id) => id !== publicId)
        : [...current, publicId].slice(-MAX_COMPARE);
      writeUrl(next);
      return next;
    });
  }, []);
  const clear = useCallback(() => {
    setSelected([]);
    writeUrl([]);
  }, []);
  const value = useMemo(() => ({ selected, toggle, clear }), [selected, toggle, clear]);
  return <SelectionContext.Provider value={value}>{children}</SelectionContext.Provider>;
}

export function useSelection(): Selection {
  const value = useContext(SelectionContext);
  if (!value) throw new Error("useSelection must be used inside <SelectionProvider>");
  return value;
}

export function CompareBar({ pipelineId }: { pipelineId: number }) {
  const { selected, clear } = useSelection();
  if (selected.length === 0) return null;
  return (
    <section className={styles.selectBar} aria-label="Runs selected for comparison">
      <span>
        <strong>{selected.length}</strong> run{selected.length === 1 ? "" : "s"} selected
        {selected.length < 2 ? " — pick at least one more" : ""}
      </span>
      <span className={ui.spacer} style={{ flex: 1 }} />
      <button type="button" className={ui.button} onClick={clear}>
        Clear
      </button>
      <Link
        className={`${ui.button} ${ui.primary}`}
        href={`/pipelines/${pipelineId}/compare?runs=${selected.join(",")}`}
        aria-disabled={selected.length < 2}
        tabIndex={selected.length < 2 ? -1 : undefined}
      >
        Compare {selected.length} runs →
      </Link>
    </section>
  );
}
