/**
 * Lays out a GraphModel with ELK's layered algorithm (elkjs): top-down like the
 * Step Functions console, Map iterators and Parallel branches as nested
 * compound nodes, orthogonal edges with their labels placed by ELK so 60+
 * states stay readable. Runs on the server for the first paint and in the
 * browser (elk.bundled.js, no web worker) when a container is collapsed.
 * Layouts are pure functions of (definition, collapsed set) and are memoised.
 */
import ELK, { type ElkExtendedEdge, type ElkNode } from "elkjs/lib/elk.bundled.js";
import type { GraphEdge, GraphModel, GraphNode } from "./graph";

export type LaidOutNode = Pick<GraphNode, "id" | "name" | "type" | "kind" | "parent" | "detail"> & {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Has children (Map, Parallel, branch). */
  container: boolean;
  collapsed: boolean;
  /** States hidden inside when collapsed. */
  hiddenStates: number;
};

export type LaidOutEdge = Pick<GraphEdge, "id" | "source" | "target" | "kind" | "label"> & {
  points: { x: number; y: number }[];
  labelBox: { x: number; y: number; width: number; height: number } | null;
};

export type GraphLayout = { width: number; height: number; nodes: LaidOutNode[]; edges: LaidOutEdge[] };

export const NODE_HEIGHT = 44;
const CHAR = 7.1;
const LABEL_CHAR = 6.1;
const CONTAINER_HEADER = 30;

export function nodeWidth(node: Pick<GraphNode, "name" | "kind" | "detail">): number {
  if (node.kind === "start" || node.kind === "end") return 64;
  // Line 1: glyph + name; line 2: "Succeeded · ↻3 · SageMaker training".
  const line1 = node.name.length * CHAR + 40;
  const line2 = (16 + (node.detail ? node.detail.length + 3 : 0)) * 5.9 + 18;
  return Math.round(Math.min(260, Math.max(130, line1, line2)));
}

const ROOT_OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.layered.spacing.nodeNodeBetweenLayers": "34",
  "elk.spacing.nodeNode": "22",
  "elk.spacing.edgeNode": "14",
  "elk.spacing.edgeLabel": "4",
  "elk.layered.spacing.edgeNodeBetweenLayers": "14",
  "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  "elk.json.shapeCoords": "ROOT",
  "elk.json.edgeCoords": "ROOT",
  "elk.padding": "[top=12,left=12,bottom=12,right=12]",
};

const CONTAINER_OPTIONS = {
  ...ROOT_OPTIONS,
  "elk.padding": `[top=${CONTAINER_HEADER + 6},left=14,bottom=14,right=14]`,
  "elk.nodeSize.constraints": "MINIMUM_SIZE",
};

/**
 * A Parallel state's children are its branches, which have no edges between them: kept as one connected
 * layer they sit side by side in definition order, as they run, instead of being packed as separate
 * components one under another.
 */
const PARALLEL_OPTIONS = {
  ...CONTAINER_OPTIONS,
  "elk.separateConnectedComponents": "false",
  "elk.spacing.nodeNode": "16",
};

let elk: InstanceType<typeof ELK> | null = null;
const cache = new Map<string, Promise<GraphLayout>>();
const CACHE_SIZE = 200;

/** Lays out the model with the given containers collapsed. `cacheKey` identifies the model (e.g. its hash). */
export function layoutGraph(
  model: GraphModel,
  collapsed: ReadonlySet<string>,
  cacheKey?: string,
): Promise<GraphLayout> {
  const key = cacheKey ? `${cacheKey}|${[...collapsed].sort().join(",")}` : null;
  if (key) {
    const hit = cache.get(key);
    if (hit) return hit;
  }
  const promise = runLayout(model, collapsed);
  if (key) {
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, promise);
    promise.catch(() => cache.delete(key));
  }
  return promise;
}

async function runLayout(model: GraphModel, collapsed: ReadonlySet<string>): Promise<GraphLayout> {
  elk ??= new ELK();
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const countStates = (id: string): number =>
    (byId.get(id)?.children ?? []).reduce(
      (sum, c) => sum + (byId.get(c)?.kind === "state" ? 1 : 0) + countStates(c),
      0,
    );
  const hidden = (node: GraphNode): boolean => {
    for (let p = node.parent; p; p = byId.get(p)?.parent ?? null) if (collapsed.has(p)) return true;
    return false;
  };

  const elkNodes = new Map<string, ElkNode>();
  const toElk = (node: GraphNode): ElkNode => {
    const open = node.children.length > 0 && !collapsed.has(node.id);
    const elkNode: ElkNode = open
      ? {
          id: node.id,
          layoutOptions: node.type === "Parallel" ? PARALLEL_OPTIONS : CONTAINER_OPTIONS,
          width: nodeWidth(node),
          height: CONTAINER_HEADER + 20,
          children: node.children
            .map((c) => byId.get(c))
            .filter((c): c is GraphNode => Boolean(c))
            .map(toElk),
          edges: [],
        }
      : {
          id: node.id,
          width: nodeWidth(node),
          height: node.kind === "state" || node.kind === "branch" ? NODE_HEIGHT : 28,
        };
    elkNodes.set(node.id, elkNode);
    return elkNode;
  };
  const root: ElkNode = {
    id: "__root",
    layoutOptions: ROOT_OPTIONS,
    children: model.nodes.filter((n) => n.parent === null).map(toElk),
    edges: [],
  };
  for (const edge of model.edges) {
    const container = edge.scope ? elkNodes.get(edge.scope) : root;
    if (!container?.edges || !elkNodes.has(edge.source) || !elkNodes.has(edge.target)) continue;
    const elkEdge: ElkExtendedEdge = { id: edge.id, sources: [edge.source], targets: [edge.target] };
    if (edge.label) {
      elkEdge.labels = [
        {
          text: edge.label,
          width: Math.round(edge.label.length * LABEL_CHAR + 10),
          height: 16,
          layoutOptions: { "elk.edgeLabels.placement": "CENTER" },
        },
      ];
    }
    container.edges.push(elkEdge);
  }

  const result = await elk.layout(root);
  const nodes: LaidOutNode[] = [];
  const edges: LaidOutEdge[] = [];
  const edgeById = new Map(model.edges.map((e) => [e.id, e]));
  const visit = (elkNode: ElkNode) => {
    for (const child of elkNode.children ?? []) {
      const node = byId.get(child.id);
      if (node && !hidden(node)) {
        const container = node.children.length > 0;
        nodes.push({
          id: node.id,
          name: node.name,
          type: node.type,
          kind: node.kind,
          parent: node.parent,
          detail: node.detail,
          x: child.x ?? 0,
          y: child.y ?? 0,
          width: child.width ?? 0,
          height: child.height ?? 0,
          container,
          collapsed: container && collapsed.has(node.id),
          hiddenStates: container && collapsed.has(node.id) ? countStates(node.id) : 0,
        });
      }
      visit(child);
    }
    for (const elkEdge of elkNode.edges ?? []) {
      const edge = edgeById.get(elkEdge.id);
      const section = elkEdge.sections?.[0];
      if (!edge || !section) continue;
      const label = elkEdge.labels?.[0];
      edges.push({
        id: edge.id,
        source: edge.source,
        target: edge.target,
        kind: edge.kind,
        label: edge.label,
        points: [section.startPoint, ...(section.bendPoints ?? []), section.endPoint],
        labelBox:
          label && label.x !== undefined && label.y !== undefined
            ? { x: label.x, y: label.y, width: label.width ?? 0, height: label.height ?? 0 }
            : null,
      });
    }
  };
  visit(result);
  // Containers first, so they are drawn beneath their children.
  nodes.sort((a, b) => depthOf(a, byId) - depthOf(b, byId));
  return { width: result.width ?? 0, height: result.height ?? 0, nodes, edges };
}

function depthOf(node: { parent: string | null }, byId: Map<string, GraphNode>): number {
  let depth = 0;
  for (let p = node.parent; p; p = byId.get(p)?.parent ?? null) depth++;
  return depth;
}
