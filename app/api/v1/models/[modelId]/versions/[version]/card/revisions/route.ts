import { withApi } from "@/lib/api/handler";
import { saveCardRevision } from "@/lib/models/save-card-revision";
import { ModelVersionParams, SaveCardRevisionBody } from "@/lib/models/schema";

export const dynamic = "force-dynamic";

/**
 * POST …/card/revisions — save the narrative as a new revision (members of the owning team and admins,
 * write tokens; 409 when `baseRevision` is no longer the latest). Audited by withApi.
 */
export const POST = withApi(
  { scope: "write", params: ModelVersionParams, body: SaveCardRevisionBody, action: "model_card.save" },
  async ({ params, body, principal, auditTarget }) => {
    auditTarget({ type: "model_version", id: `${params.modelId}/${params.version}` });
    const saved = await saveCardRevision({ principal, input: { ...body, ...params } });
    return Response.json({ revision: saved.revision, status: saved.status }, { status: 201 });
  },
);
