/** Page-facing reads of runs (lib/dal/guard.ts: each one checks the principal first). */
import "server-only";
import * as queries from "@/lib/runs/queries";
import { guarded } from "./guard";

export type { RunPage } from "@/lib/runs/queries";
export const getRunPage = guarded(queries.getRunPage);
export const getRun = guarded(queries.getRun);
export const findRunByExecutionName = guarded(queries.findRunByExecutionName);
export const latestRunOfPipeline = guarded(queries.latestRunOfPipeline);
