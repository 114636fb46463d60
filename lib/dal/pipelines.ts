/** Page-facing reads of pipelines (lib/dal/guard.ts: each one checks the principal first). */
import "server-only";
import { withSlot } from "@/lib/api/limits";
import * as queries from "@/lib/pipelines/queries";
import { guarded, guardedFor } from "./guard";

export type { ComparedRun, PipelineDetail } from "@/lib/pipelines/queries";
export const listPipelines = guarded(queries.listPipelines);
export const listPipelineTeams = guarded(queries.listPipelineTeams);
export const getPipeline = guarded(queries.getPipeline);
export const getPipelinePage = guarded(queries.getPipelinePage);
/** Expensive: a few at once per user (lib/api/limits.ts); more throw AppError "too_many_requests". */
export const compareRuns = guardedFor((principal, args: Parameters<typeof queries.compareRuns>[0]) =>
  withSlot("compare", principal, () => queries.compareRuns(args)),
);
