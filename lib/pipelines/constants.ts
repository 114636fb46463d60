/**
 * The pipeline pages' fixed vocabularies, apart from the zod schemas (lib/pipelines/schema.ts builds its enums
 * from these): the client islands import them from here, so the browser never loads zod with the page.
 */

export const PIPELINE_SORTS = ["recent", "name"] as const;

export const RUN_SORTS = ["newest", "oldest", "longest"] as const;
export type RunSort = (typeof RUN_SORTS)[number];

export const X_AXES = ["time", "number"] as const;
export type XAxis = (typeof X_AXES)[number];

/** Runs one comparison may hold. */
export const MAX_COMPARE = 8;
