/** Page-facing reads of pipelines (lib/dal/guard.ts: each one checks the principal first). */
import "server-only";
import * as queries from "@/lib/pipelines/queries";
import { guarded } from "./guard";

export type { ComparedRun, PipelineDetail } from "@/lib/pipelines/queries";
export const listPipelines = guarded(queries.listPipelines);
export const listPipelineTeams = guarded(queries.listPipelineTeams);
export const getPipeline = guarded(queries.getPipeline);
export const getPipelinePage = guarded(queries.getPipelinePage);
export const compareRuns = guarded(queries.compareRuns);
