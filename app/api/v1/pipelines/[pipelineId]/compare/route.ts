import { z } from "zod";
import { withApi } from "@/lib/api/handler";
import { compareRuns, getPipeline } from "@/lib/pipelines/queries";
import { CompareSelection, PipelineIdParams } from "@/lib/pipelines/schema";

export const dynamic = "force-dynamic";

const Query = z.object({ runs: CompareSelection });

/**
 * GET /api/v1/pipelines/{id}/compare?runs=a,b,c — the comparison page's data (status, metrics, step
 * timings, hyperparameters, input of each run). Expensive: a few at once per user, then 429.
 */
export const GET = withApi(
  { scope: "read", params: PipelineIdParams, query: Query, limit: "compare" },
  async ({ params, query }) => {
    await getPipeline({ pipelineId: params.pipelineId });
    return { runs: await compareRuns({ pipelineId: params.pipelineId, publicIds: [...new Set(query.runs)] }) };
  },
);
