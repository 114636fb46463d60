import { withApi } from "@/lib/api/handler";
import { listPipelines } from "@/lib/pipelines/queries";
import { PipelineListQuery } from "@/lib/pipelines/schema";
import { pipelinesTable } from "@/lib/pipelines/tables";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", query: PipelineListQuery, csv: pipelinesTable }, ({ query }) =>
  listPipelines(query),
);
