import { withApi } from "@/lib/api/handler";
import { listPipelines } from "@/lib/pipelines/queries";
import { PipelineListQuery } from "@/lib/pipelines/schema";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", query: PipelineListQuery }, ({ query }) => listPipelines(query));
