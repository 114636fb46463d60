import { withApi } from "@/lib/api/handler";
import { createView } from "@/lib/views/manage";
import { listViews } from "@/lib/views/queries";
import { CreateViewBody, ViewListQuery } from "@/lib/views/schema";

export const dynamic = "force-dynamic";

/** The caller's own saved views of a pipeline and its teams' views. */
export const GET = withApi({ scope: "read", query: ViewListQuery }, async ({ query, principal }) =>
  listViews({ pipelineId: query.pipelineId, user: principal.user }),
);

/** Save a view: the caller's own, or a team's (members only). Audited. */
export const POST = withApi(
  { scope: "write", body: CreateViewBody, action: "view.create" },
  async ({ body, principal, auditTarget }) => {
    const view = await createView({ principal, body });
    auditTarget({
      type: "saved_view",
      id: view.id,
      details: { pipelineId: view.pipelineId, name: view.name, team: body.team ?? null, params: view.params },
    });
    return view;
  },
);
