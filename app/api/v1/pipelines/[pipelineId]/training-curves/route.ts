import { withApi } from "@/lib/api/handler";
import { getTrainingCurves } from "@/lib/pipelines/queries";
import { PipelineIdParams, TrainingCurvesQuery } from "@/lib/pipelines/schema";
import { curvesTable } from "@/lib/pipelines/tables";

export const dynamic = "force-dynamic";

export const GET = withApi(
  { scope: "read", params: PipelineIdParams, query: TrainingCurvesQuery, csv: curvesTable },
  ({ params, query }) => getTrainingCurves({ pipelineId: params.pipelineId, metric: query.metric, runs: query.runs }),
);
