/**
 * State-machine layouts shared by every app instance through Postgres. The run page's one statement already
 * brings the cached layout of the run's definition (getRunPage joins graph_layout on LAYOUT_VERSION + md5 of
 * the definition); on a miss the page lays the graph out once (elkjs, 0.1–1 s for a big definition) and
 * stores it here, so a new instance or a restart never pays that again for a known definition.
 */
import "server-only";
import { pool } from "@/lib/db";
import type { GraphModel } from "./graph";
import { type GraphLayout, layoutGraph } from "./graph-layout";

function isLayout(value: unknown): value is GraphLayout {
  const v = value as Partial<GraphLayout> | null;
  return (
    !!v && typeof v === "object" && Array.isArray(v.nodes) && Array.isArray(v.edges) && typeof v.width === "number"
  );
}

/** The layout for `key`: the one read with the page, else computed (memoised in-process) and stored. */
export async function layoutFor({
  key,
  model,
  cached,
}: {
  key: string;
  model: GraphModel;
  cached: unknown;
}): Promise<GraphLayout> {
  if (isLayout(cached)) return cached;
  const layout = await layoutGraph(model, new Set(), key);
  await pool.query("INSERT INTO graph_layout (key, layout) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING", [
    key,
    JSON.stringify(layout),
  ]);
  return layout;
}
