"use client";
/**
 * The run's state machine, drawn from the ASL of the revision it ran: nodes coloured, iconed and labelled
 * by step status, Map/Parallel as nested collapsible containers, Choice and Catch edges labelled, pan (drag)
 * and zoom (buttons, Ctrl + wheel), keyboard-focusable nodes (Enter selects). The first layout comes from
 * the server; collapsing a container lays the graph out again in the browser (elkjs, loaded on demand).
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { PanelBar, ZoomControls } from "@/components/ui/panel-bar";
import { StatusBadge } from "@/components/ui/status-badge";
import ui from "@/components/ui/ui.module.css";
import { useCtrlWheel } from "@/components/ui/use-ctrl-wheel";
import { useToggleSet } from "@/components/ui/use-toggle-set";
import type { GraphModel, NodeState } from "@/lib/runs/graph";
import type { GraphLayout, LaidOutEdge, LaidOutNode } from "@/lib/runs/graph-layout";
import { NODE_STATUS } from "@/lib/status";
import styles from "./graph.module.css";
import { contentBounds, fitTransform } from "./graph-fit";

type Transform = { k: number; x: number; y: number };

export type StateGraphProps = {
  model: GraphModel;
  initialLayout: GraphLayout;
  layoutKey: string;
  states: ReadonlyMap<string, NodeState>;
  selectedNodeId: string | null;
  onSelectNode: (nodeId: string) => void;
  iterations: number[];
  iteration: number | undefined;
  onIterationChange: (iteration: number | undefined) => void;
};

export function StateGraph(props: StateGraphProps) {
  const { model, initialLayout, layoutKey, states, selectedNodeId, onSelectNode, iterations, iteration } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 800, height: 440 });
  const [collapsed, toggle] = useToggleSet();
  const [layout, setLayout] = useState(initialLayout);
  const [transform, setTransform] = useState<Transform | null>(null);
  const [layingOut, setLayingOut] = useState(false);

  useLayoutEffect(() => {
    const element = viewport.current;
    if (!element) return;
    const measure = () => {
      const width = element.clientWidth;
      const height = element.clientHeight;
      // A panel laid out with no room for a moment measures 0 px (Chromium's full-page screenshot lays the page out
      // again and the panel reported 0 × 500 before its real width): fitting the drawing into nothing showed it at
      // 5 % in a corner, and that is what the capture took. Keep the last real size. An unchanged size keeps the same
      // object, so it does not fit the graph again.
      if (width <= 0 || height <= 0) return;
      setSize((current) => (current.width === width && current.height === height ? current : { width, height }));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (collapsed.size === 0) {
      setLayout(initialLayout);
      return;
    }
    let cancelled = false;
    setLayingOut(true);
    import("@/lib/runs/graph-layout")
      .then(({ layoutGraph }) => layoutGraph(model, collapsed, layoutKey))
      .then((next) => {
        if (!cancelled) setLayout(next);
      })
      .catch((error: unknown) => console.error("[graph] layout failed", error))
      .finally(() => {
        if (!cancelled) setLayingOut(false);
      });
    return () => {
      cancelled = true;
    };
  }, [collapsed, model, initialLayout, layoutKey]);

  // Fitted means the drawing's own bounding box (not ELK's canvas, whose padding and unused space would
  // push it off centre) scaled to the panel, never above 120 %, and centred both ways.
  const bounds = useMemo(() => contentBounds(layout), [layout]);
  const fitView = useCallback((): Transform => fitTransform(bounds, size), [size, bounds]);

  // Fit whenever the layout or the viewport changes, until the user pans or zooms.
  const userMoved = useRef(false);
  useEffect(() => {
    if (!userMoved.current) setTransform(fitView());
  }, [fitView]);
  const t = transform ?? fitView();

  const zoomAt = useCallback((factor: number, cx: number, cy: number) => {
    userMoved.current = true;
    setTransform((current) => {
      const base = current ?? { k: 1, x: 0, y: 0 };
      const k = Math.min(2.5, Math.max(0.05, base.k * factor));
      const ratio = k / base.k;
      return { k, x: cx - (cx - base.x) * ratio, y: cy - (cy - base.y) * ratio };
    });
  }, []);

  useCtrlWheel(viewport, (event, element) => {
    const rect = element.getBoundingClientRect();
    zoomAt(Math.exp(-event.deltaY * 0.002), event.clientX - rect.left, event.clientY - rect.top);
  });

  const drag = useRef<{ x: number; y: number; start: Transform; moved: boolean } | null>(null);
  const onPointerDown = (event: React.PointerEvent) => {
    if (event.button !== 0 || (event.target as Element).closest("[data-node]")) return;
    drag.current = { x: event.clientX, y: event.clientY, start: t, moved: false };
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: React.PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const dx = event.clientX - d.x;
    const dy = event.clientY - d.y;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
    d.moved = true;
    userMoved.current = true;
    setTransform({ k: d.start.k, x: d.start.x + dx, y: d.start.y + dy });
  };
  const onPointerUp = () => {
    drag.current = null;
  };

  // Bring the selected node into view when it is selected elsewhere (timeline, URL) and lies outside.
  const nodeById = useMemo(() => new Map(layout.nodes.map((n) => [n.id, n])), [layout]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the selection changes, not on every pan
  useEffect(() => {
    if (!selectedNodeId || !transform) return;
    let node = nodeById.get(selectedNodeId);
    // Inside a collapsed container: the container stands for it.
    for (
      let id: string | null = selectedNodeId;
      !node && id;
      id = model.nodes.find((n) => n.id === id)?.parent ?? null
    ) {
      node = nodeById.get(id);
    }
    if (!node) return;
    const left = node.x * transform.k + transform.x;
    const top = node.y * transform.k + transform.y;
    const inside =
      left >= 0 &&
      top >= 0 &&
      left + node.width * transform.k <= size.width &&
      top + node.height * transform.k <= size.height;
    if (inside) return;
    setTransform({
      k: transform.k,
      x: size.width / 2 - (node.x + node.width / 2) * transform.k,
      y: size.height / 2 - (node.y + node.height / 2) * transform.k,
    });
  }, [selectedNodeId, nodeById]);

  const ran = (id: string) => {
    const s = states.get(id);
    return Boolean(s && s.status !== "not-started");
  };

  return (
    <section className={styles.graph} aria-labelledby="graph-title">
      <PanelBar
        titleId="graph-title"
        title="State machine"
        summary={
          <>
            {model.stateCount} state{model.stateCount === 1 ? "" : "s"}
            {layingOut ? " · laying out…" : ""}
          </>
        }
      >
        {iterations.length > 0 ? (
          <label className={ui.toolSelect}>
            Map iteration
            <select
              value={iteration === undefined ? "" : String(iteration)}
              onChange={(e) => props.onIterationChange(e.target.value === "" ? undefined : Number(e.target.value))}
            >
              <option value="">All ({iterations.length})</option>
              {iterations.map((i) => (
                <option key={i} value={i}>
                  Iteration {i}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <ZoomControls
          what="graph"
          level={`${Math.round(t.k * 100)}%`}
          onOut={() => zoomAt(1 / 1.25, size.width / 2, size.height / 2)}
          onIn={() => zoomAt(1.25, size.width / 2, size.height / 2)}
          onFit={() => {
            userMoved.current = false;
            setTransform(fitView());
          }}
        />
      </PanelBar>
      <div
        ref={viewport}
        className={styles.viewport}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        data-testid="state-graph"
      >
        <svg width="100%" height="100%" aria-label="States of the state machine">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
              <path d="M0,0 L10,5 L0,10 z" className={styles.arrowHead} />
            </marker>
            <marker
              id="arrow-taken"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto"
            >
              <path d="M0,0 L10,5 L0,10 z" className={styles.arrowHeadTaken} />
            </marker>
          </defs>
          <g transform={`translate(${t.x},${t.y}) scale(${t.k})`}>
            {layout.nodes
              .filter((n) => n.container && !n.collapsed)
              .map((node) => (
                <ContainerView
                  key={node.id}
                  node={node}
                  state={states.get(node.id)}
                  selected={node.id === selectedNodeId}
                  onSelect={onSelectNode}
                  onToggle={toggle}
                />
              ))}
            {layout.edges.map((edge) => (
              <EdgeView key={edge.id} edge={edge} taken={ran(edge.source) && ran(edge.target)} />
            ))}
            {layout.nodes
              .filter((n) => !n.container || n.collapsed)
              .map((node) => (
                <NodeView
                  key={node.id}
                  node={node}
                  state={states.get(node.id)}
                  selected={node.id === selectedNodeId}
                  onSelect={onSelectNode}
                  onToggle={toggle}
                />
              ))}
          </g>
        </svg>
      </div>
      <ul className={styles.legend} aria-label="Legend">
        {(["not-started", "running", "succeeded", "retried", "caught", "failed"] as const).map((status) => (
          <li key={status}>
            <StatusBadge kind="node" status={status} size="sm" />
          </li>
        ))}
        <li className="muted">Drag to pan · Ctrl + wheel to zoom</li>
      </ul>
    </section>
  );
}

/** "7 retried" when all executions agree, else "5✓ 1✗ 1▶" (glyphs, with the words in the aria-label). */
/**
 * Map children stand for many iterations: "7 × retried" when all agree, else "5✓ 1✗ 1▶" (the words are in
 * the aria-label). A state entered again (redrive, loop) is one instance with several executions.
 */
function countsText(state: NodeState | undefined): string {
  if (!state) return "";
  const entries = (Object.entries(state.counts) as [keyof typeof NODE_STATUS, number][]).filter(([, n]) => n > 0);
  const instances = entries.reduce((sum, [, n]) => sum + n, 0);
  const first = entries[0];
  if (instances <= 1) return state.executions > 1 ? `${NODE_STATUS[state.status].word} · ${state.executions} runs` : "";
  if (entries.length === 1 && first) return `${first[1]} × ${NODE_STATUS[first[0]].word.toLowerCase()}`;
  return entries.map(([status, n]) => `${n}${NODE_STATUS[status].glyph}`).join(" ");
}

function nodeLabel(node: LaidOutNode, state: NodeState | undefined): string {
  const look = NODE_STATUS[state?.status ?? "not-started"];
  const entries = Object.entries(state?.counts ?? {}).filter(([, n]) => (n ?? 0) > 0);
  const counts =
    state && state.executions > 1
      ? `, ${state.executions} executions (${entries
          .map(([s, n]) => `${n} ${NODE_STATUS[s as keyof typeof NODE_STATUS].word.toLowerCase()}`)
          .join(", ")})`
      : "";
  const retries = state && state.maxAttempts > 1 ? `, up to ${state.maxAttempts} attempts` : "";
  const mapRun = state?.mapRun ? `, in a Map Run: ${state.mapRun}` : "";
  return `${node.name}: ${node.type}${node.detail ? ` (${node.detail})` : ""}, ${look.word}${counts}${retries}${mapRun}`;
}

type NodeProps = {
  node: LaidOutNode;
  state: NodeState | undefined;
  selected: boolean;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
};

const activate = (event: React.KeyboardEvent, action: () => void) => {
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    action();
  }
};

/** The expand (▸, on a collapsed container) or collapse (▾) toggle of a Map / Parallel state. */
function Chevron({
  node,
  expanded,
  at,
  onToggle,
}: {
  node: LaidOutNode;
  expanded: boolean;
  at: string;
  onToggle: (id: string) => void;
}) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; a focusable <g role="button"> is the equivalent
    <g
      className={styles.chevron}
      transform={at}
      data-node={node.id}
      onClick={() => onToggle(node.id)}
      role="button"
      tabIndex={0}
      aria-label={`${expanded ? "Collapse" : "Expand"} ${node.name}`}
      aria-expanded={expanded}
      onKeyDown={(e) => activate(e, () => onToggle(node.id))}
    >
      <rect width={18} height={18} rx={3} />
      <text x={9} y={13} textAnchor="middle">
        {expanded ? "▾" : "▸"}
      </text>
    </g>
  );
}

const NodeView = memo(function NodeView({ node, state, selected, onSelect, onToggle }: NodeProps) {
  if (node.kind === "start" || node.kind === "end") {
    return (
      <g transform={`translate(${node.x},${node.y})`} className={styles.terminal}>
        <rect width={node.width} height={node.height} rx={node.height / 2} />
        <text x={node.width / 2} y={node.height / 2 + 4} textAnchor="middle">
          {node.name}
        </text>
      </g>
    );
  }
  const look = NODE_STATUS[state?.status ?? "not-started"];
  const counts = countsText(state);
  const retried = state && state.maxAttempts > 1 ? ` · ↻${state.maxAttempts}` : "";
  const sub = node.collapsed
    ? `${look.word} · ${node.hiddenStates} state${node.hiddenStates === 1 ? "" : "s"} inside`
    : `${counts || look.word}${retried}${node.detail ? ` · ${node.detail}` : ""}`;
  // The expand chevron of a collapsed container is a sibling of the node's button, never inside it
  // (nested interactive controls are unreachable for assistive technology).
  return (
    <g transform={`translate(${node.x},${node.y})`}>
      {/* biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; a focusable <g role="button"> is the equivalent */}
      <g
        className={styles.node}
        data-node={node.id}
        data-testid={`graph-node-${node.id}`}
        data-status={state?.status ?? "not-started"}
        data-tone={look.tone}
        data-selected={selected || undefined}
        role="button"
        tabIndex={0}
        aria-pressed={selected}
        aria-label={nodeLabel(node, state)}
        onClick={() => onSelect(node.id)}
        onKeyDown={(e) => activate(e, () => onSelect(node.id))}
      >
        <title>{nodeLabel(node, state)}</title>
        <rect className={styles.nodeBox} width={node.width} height={node.height} rx={6} />
        {state?.status === "running" ? (
          <rect className={styles.pulse} width={node.width} height={node.height} rx={6} />
        ) : null}
        <text x={10} y={18} className={styles.nodeGlyph}>
          {look.glyph}
        </text>
        <text x={26} y={18} className={styles.nodeName}>
          {clip(node.name, (node.width - (node.collapsed ? 56 : 34)) / 7)}
        </text>
        <text x={10} y={35} className={styles.nodeSub}>
          {clip(sub, (node.width - 16) / 5.9)}
        </text>
      </g>
      {node.collapsed ? (
        <Chevron node={node} expanded={false} at={`translate(${node.width - 22},4)`} onToggle={onToggle} />
      ) : null}
    </g>
  );
});

const ContainerView = memo(function ContainerView({ node, state, selected, onSelect, onToggle }: NodeProps) {
  const look = NODE_STATUS[state?.status ?? "not-started"];
  const isBranch = node.kind === "branch";
  return (
    <g
      transform={`translate(${node.x},${node.y})`}
      className={styles.container}
      data-kind={node.kind}
      data-tone={look.tone}
      data-selected={selected || undefined}
      data-testid={`graph-node-${node.id}`}
      data-status={state?.status ?? "not-started"}
    >
      <rect className={styles.containerBox} width={node.width} height={node.height} rx={8} />
      <Chevron node={node} expanded at="translate(6,6)" onToggle={onToggle} />
      {isBranch ? (
        <text x={30} y={19} className={styles.containerName}>
          {node.name}
        </text>
      ) : (
        // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; a focusable <g role="button"> is the equivalent
        <g
          className={styles.containerHeader}
          data-node={node.id}
          role="button"
          tabIndex={0}
          aria-pressed={selected}
          aria-label={nodeLabel(node, state)}
          onClick={() => onSelect(node.id)}
          onKeyDown={(e) => activate(e, () => onSelect(node.id))}
        >
          <title>{nodeLabel(node, state)}</title>
          <rect x={28} y={4} width={Math.max(40, node.width - 34)} height={22} rx={4} />
          <text x={34} y={19} className={styles.containerName}>
            <tspan className={styles.nodeGlyph}>{look.glyph}</tspan> {clip(node.name, (node.width - 150) / 7)}
            <tspan className={styles.containerType}>
              {" "}
              {node.type} · {look.word}
            </tspan>
          </text>
        </g>
      )}
    </g>
  );
});

const EdgeView = memo(function EdgeView({ edge, taken }: { edge: LaidOutEdge; taken: boolean }) {
  const d = edge.points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x},${p.y}`).join(" ");
  return (
    <g className={styles.edge} data-kind={edge.kind} data-taken={taken || undefined}>
      <path d={d} markerEnd={taken ? "url(#arrow-taken)" : "url(#arrow)"} />
      {edge.label && edge.labelBox ? (
        <g transform={`translate(${edge.labelBox.x},${edge.labelBox.y})`} className={styles.edgeLabel}>
          <title>{edge.label}</title>
          <rect width={edge.labelBox.width} height={edge.labelBox.height} rx={3} />
          <text x={5} y={12}>
            {edge.label}
          </text>
        </g>
      ) : null}
    </g>
  );
});

function clip(text: string, chars: number): string {
  const max = Math.max(4, Math.floor(chars));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
