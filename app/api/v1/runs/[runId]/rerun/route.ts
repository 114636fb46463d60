import { withApi } from "@/lib/api/handler";
import { RunActionBody, RunIdParams } from "@/lib/runs/schema";
import { rerunRun } from "@/lib/runs/start-run";

export const dynamic = "force-dynamic";

/** The API twin of the run page's "rerun" button: same permission check (403 for non-members), audited by withApi. */
export const POST = withApi(
  { scope: "write", params: RunIdParams, body: RunActionBody, action: "run.rerun" },
  async ({ params, body, principal, auditTarget }) => {
    auditTarget({ type: "run", id: params.runId.slice(0, 200), details: body.reason ? { reason: body.reason } : {} });
    return rerunRun({ principal, publicId: params.runId });
  },
);
