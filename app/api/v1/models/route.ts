import { withApi } from "@/lib/api/handler";
import { listModels } from "@/lib/models/queries";
import { ModelListQuery } from "@/lib/models/schema";

export const dynamic = "force-dynamic";

/** GET /api/v1/models — every model with its newest version; filters q, team, status, pipeline. */
export const GET = withApi({ scope: "read", query: ModelListQuery }, async ({ query }) => ({
  models: await listModels(query),
}));
