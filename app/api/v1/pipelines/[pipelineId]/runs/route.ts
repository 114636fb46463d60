import { withApi } from "@/lib/api/handler";
import { getPipeline, listRuns } from "@/lib/pipelines/queries";
import { PipelineIdParams, RunListQuery } from "@/lib/pipelines/schema";
import { runsTable } from "@/lib/pipelines/tables";

export const dynamic = "force-dynamic";

export const GET = withApi(
  { scope: "read", params: PipelineIdParams, query: RunListQuery, csv: runsTable },
  async ({ params, query }) => {
    const pipeline = await getPipeline(params);
    return listRuns({ pipelineId: params.pipelineId, query, metricColumns: query.metrics ?? pipeline.metricColumns });
  },
);
