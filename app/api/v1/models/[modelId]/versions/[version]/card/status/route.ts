import { withApi } from "@/lib/api/handler";
import { ModelVersionParams, SetCardStatusBody } from "@/lib/models/schema";
import { setCardStatus } from "@/lib/models/set-card-status";

export const dynamic = "force-dynamic";

/** POST …/card/status — move the card through the review workflow (approval: reviewers and admins only). */
export const POST = withApi(
  { scope: "write", params: ModelVersionParams, body: SetCardStatusBody, action: "model_card.status" },
  async ({ params, body, principal, auditTarget }) => {
    auditTarget({ type: "model_version", id: `${params.modelId}/${params.version}`, details: { status: body.status } });
    const changed = await setCardStatus({ principal, input: { ...body, ...params } });
    return { revision: changed.revision, status: changed.status };
  },
);
