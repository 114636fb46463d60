import { withApi } from "@/lib/api/handler";
import { notFound } from "@/lib/errors";
import { getModel } from "@/lib/models/queries";
import { ModelIdParams } from "@/lib/models/schema";

export const dynamic = "force-dynamic";

/** GET /api/v1/models/{modelId} — one model with all its versions, newest first. */
export const GET = withApi({ scope: "read", params: ModelIdParams }, async ({ params }) => {
  const model = await getModel({ modelId: params.modelId });
  if (!model) throw notFound(`No model ${params.modelId}.`);
  return model;
});
