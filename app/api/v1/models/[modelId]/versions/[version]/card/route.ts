import { withApi } from "@/lib/api/handler";
import { notFound } from "@/lib/errors";
import { getModelCard } from "@/lib/models/queries";
import { ModelVersionParams } from "@/lib/models/schema";

export const dynamic = "force-dynamic";

/** GET /api/v1/models/{modelId}/versions/{version}/card — the whole card: facts from lineage and narrative. */
export const GET = withApi({ scope: "read", params: ModelVersionParams }, async ({ params }) => {
  const card = await getModelCard(params);
  if (!card) throw notFound(`No version ${params.version} of model ${params.modelId}.`);
  return card;
});
