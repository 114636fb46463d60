import { withApi } from "@/lib/api/handler";
import { deleteView } from "@/lib/views/manage";
import { getView } from "@/lib/views/queries";
import { ViewIdParams } from "@/lib/views/schema";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", params: ViewIdParams }, async ({ params, principal }) =>
  getView({ viewId: params.viewId, user: principal.user }),
);

/** Delete a view: its owner, a member of its team, an admin. Audited. */
export const DELETE = withApi(
  { scope: "write", params: ViewIdParams, action: "view.delete" },
  async ({ params, principal, auditTarget }) => {
    auditTarget({ type: "saved_view", id: params.viewId });
    const view = await deleteView({ principal, viewId: params.viewId });
    auditTarget({
      type: "saved_view",
      id: view.id,
      details: {
        pipelineId: view.pipelineId,
        name: view.name,
        team: view.owner.kind === "team" ? view.owner.slug : null,
      },
    });
    return { deleted: view.id };
  },
);
