/**
 * The pipeline page's URL keys a saved view keeps: the runs table's filters and the metric graph's view. Apart
 * from the zod schemas (lib/views/schema.ts) so the client island that saves views does not load zod.
 */
export const VIEW_KEYS = ["status", "q", "from", "to", "sort", "m", "x", "scale", "gfrom", "gto", "th"] as const;
export type ViewKey = (typeof VIEW_KEYS)[number];
