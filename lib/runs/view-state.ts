/**
 * The run page's view state, read from the URL query so a copied link reproduces the view. Lenient on purpose:
 * a hand-edited or stale link falls back to defaults value by value instead of failing. Plain code rather than
 * a zod schema: the run page's client island reads it, and the browser should not load zod for it.
 */

export const DETAIL_TABS = ["input", "output", "job", "events"] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

export type RunViewState = {
  step?: string;
  tab?: DetailTab;
  /** Timeline zoom factor: 1 shows the whole run, 4 shows a quarter of it. */
  zoom?: number;
  /** Start of the timeline's visible window, in seconds after the run started. */
  window?: number;
  /** Map iteration the graph shows (its index), instead of all iterations together. */
  iteration?: number;
  /** "failed" shows only failed steps in the timeline. */
  filter?: "failed";
  sort?: "start" | "duration";
};

type Query = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function oneOf<T extends string>(allowed: readonly T[], value: string | undefined): T | undefined {
  return allowed.find((a) => a === value);
}

/** A finite number in [min, max] (an integer if asked), else undefined; "" reads as 0, as Number("") does. */
function numberIn(value: string | undefined, min: number, max: number, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) return undefined;
  return n;
}

export function parseViewState(query: Query): RunViewState {
  const step = first(query.step);
  return {
    step: step !== undefined && step.length <= 512 ? step : undefined,
    tab: oneOf(DETAIL_TABS, first(query.tab)),
    zoom: numberIn(first(query.zoom), 1, 512),
    window: numberIn(first(query.window), 0, 1e9),
    iteration: numberIn(first(query.iteration), 0, 1e6, true),
    filter: oneOf(["failed"] as const, first(query.filter)),
    sort: oneOf(["start", "duration"] as const, first(query.sort)),
  };
}
