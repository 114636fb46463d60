import { withApi } from "@/lib/api/handler";
import { getPipeline } from "@/lib/pipelines/queries";
import { PipelineIdParams } from "@/lib/pipelines/schema";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", params: PipelineIdParams }, ({ params }) => getPipeline(params));
