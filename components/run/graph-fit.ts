/**
 * How the state graph opens: fitted and centred in its panel. Pure, so the fit of every demo pipeline and
 * of a 60-state definition is tested without a browser (graph-fit.test.ts) as well as in e2e/run-depth.
 */
import type { GraphLayout } from "@/lib/runs/graph-layout";

export type FitTransform = { k: number; x: number; y: number };

/** The fit never zooms in past this, and never out past 5 % (a 60-state chain in a short panel still shows whole). */
const MAX_FIT = 1.2;
const MIN_FIT = 0.05;
const PAD = 12;

export type Bounds = { minX: number; minY: number; maxX: number; maxY: number };

/** The transform that shows `bounds` whole and centred in a viewport of `size` (pure; graph-fit.test.ts). */
export function fitTransform(bounds: Bounds, size: { width: number; height: number }): FitTransform {
  const width = bounds.maxX - bounds.minX;
  const height = bounds.maxY - bounds.minY;
  const k = Math.min(
    MAX_FIT,
    Math.max(MIN_FIT, Math.min((size.width - 2 * PAD) / width, (size.height - 2 * PAD) / height)),
  );
  return { k, x: (size.width - width * k) / 2 - bounds.minX * k, y: (size.height - height * k) / 2 - bounds.minY * k };
}

/** The box the drawing occupies: every top-level node (containers hold their children) and every edge. */
export function contentBounds(layout: GraphLayout): Bounds {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  const take = (x: number, y: number, w = 0, h = 0) => {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x + w);
    maxY = Math.max(maxY, y + h);
  };
  for (const node of layout.nodes) if (node.parent === null) take(node.x, node.y, node.width, node.height);
  for (const edge of layout.edges) {
    for (const point of edge.points) take(point.x, point.y);
    if (edge.labelBox) take(edge.labelBox.x, edge.labelBox.y, edge.labelBox.width, edge.labelBox.height);
  }
  if (!Number.isFinite(minX))
    return { minX: 0, minY: 0, maxX: Math.max(1, layout.width), maxY: Math.max(1, layout.height) };
  return { minX, minY, maxX: Math.max(maxX, minX + 1), maxY: Math.max(maxY, minY + 1) };
}
