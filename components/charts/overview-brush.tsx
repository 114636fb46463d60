"use client";
/**
 * The overview strip under the metric graph: the first metric over the whole range, and a drag
 * selection that zooms the graph to the dragged range (pointer capture, so the drag survives leaving
 * the strip). The current zoom is shown as the selected band; double-click resets.
 */
import { type PointerEvent, useRef, useState } from "react";
import styles from "./chart.module.css";
import { seriesColor } from "./geometry";

type Props = {
  width: number;
  height: number;
  path: string;
  /** pixel extent of the current zoom, or null when not zoomed */
  selection: [number, number] | null;
  onSelect: (px0: number, px1: number) => void;
  onReset: () => void;
};

export function OverviewBrush({ width, height, path, selection, onSelect, onReset }: Props) {
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const origin = useRef<number | null>(null);
  const local = (event: PointerEvent<SVGRectElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    return Math.max(0, Math.min(width, event.clientX - rect.left));
  };
  const shown = drag ?? selection;
  return (
    <svg width={width} height={height} className={styles.svg} aria-hidden="true" data-testid="metric-overview">
      <rect width={width} height={height} fill="var(--surface-2)" rx={4} />
      <path d={path} fill="none" stroke={seriesColor(0)} strokeWidth={1} />
      {shown ? (
        <rect
          x={Math.min(shown[0], shown[1])}
          width={Math.abs(shown[1] - shown[0])}
          height={height}
          fill="var(--accent)"
          fillOpacity={0.18}
          stroke="var(--accent)"
        />
      ) : null}
      {/* biome-ignore lint/a11y/noStaticElementInteractions: pointer-only zoom; the URL (gfrom/gto) and Reset zoom are the accessible path */}
      <rect
        width={width}
        height={height}
        fill="transparent"
        style={{ cursor: "ew-resize", touchAction: "none" }}
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          const x = local(event);
          origin.current = x;
          setDrag([x, x]);
        }}
        onPointerMove={(event) => {
          if (origin.current === null) return;
          setDrag([origin.current, local(event)]);
        }}
        onPointerUp={(event) => {
          const start = origin.current;
          origin.current = null;
          setDrag(null);
          if (start === null) return;
          const end = local(event);
          if (Math.abs(end - start) >= 3) onSelect(Math.min(start, end), Math.max(start, end));
        }}
        onDoubleClick={onReset}
      />
    </svg>
  );
}
