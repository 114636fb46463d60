import { withApi } from "@/lib/api/handler";
import { redriveRun } from "@/lib/runs/redrive-run";
import { RunActionBody, RunIdParams } from "@/lib/runs/schema";

export const dynamic = "force-dynamic";

/** The API twin of the run page's "redrive" button: same permission check (403 for non-members), audited by withApi. */
export const POST = withApi(
  { scope: "write", params: RunIdParams, body: RunActionBody, action: "run.redrive" },
  async ({ params, body, principal, auditTarget }) => {
    auditTarget({ type: "run", id: params.runId.slice(0, 200), details: body.reason ? { reason: body.reason } : {} });
    return redriveRun({ principal, publicId: params.runId });
  },
);
