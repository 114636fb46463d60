/**
 * The header bar of a run-page panel (state graph, timeline): title, a quiet summary, then its tools on
 * the right. `ZoomControls` is the −, level, +, Fit group both panels zoom with.
 */
import type { ReactNode } from "react";
import ui from "./ui.module.css";

export function PanelBar({
  titleId,
  title,
  summary,
  children,
}: {
  titleId: string;
  title: string;
  summary: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className={ui.panelBar}>
      <h2 id={titleId} className={ui.panelTitle}>
        {title}
      </h2>
      <span className="muted">{summary}</span>
      <span className={ui.spacer} />
      {children}
    </div>
  );
}

export function ZoomControls({
  what,
  level,
  onOut,
  onIn,
  onFit,
  canOut = true,
  canIn = true,
  canFit = true,
}: {
  /** "graph" → "Zoom the graph out", "Graph zoom level". */
  what: string;
  level: string;
  onOut: () => void;
  onIn: () => void;
  onFit: () => void;
  canOut?: boolean;
  canIn?: boolean;
  canFit?: boolean;
}) {
  return (
    <span className={ui.zoomGroup}>
      <button type="button" className={ui.tool} onClick={onOut} disabled={!canOut} aria-label={`Zoom the ${what} out`}>
        −
      </button>
      <output className={ui.zoomValue} aria-label={`${what[0]?.toUpperCase()}${what.slice(1)} zoom level`}>
        {level}
      </output>
      <button type="button" className={ui.tool} onClick={onIn} disabled={!canIn} aria-label={`Zoom the ${what} in`}>
        +
      </button>
      <button type="button" className={ui.tool} onClick={onFit} disabled={!canFit}>
        Fit
      </button>
    </span>
  );
}
