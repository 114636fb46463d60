import { withApi } from "@/lib/api/handler";
import { RunActionBody, RunIdParams } from "@/lib/runs/schema";
import { stopRun } from "@/lib/runs/stop-run";

export const dynamic = "force-dynamic";

/** The API twin of the run page's "stop" button: same permission check (403 for non-members), audited by withApi. */
export const POST = withApi(
  { scope: "write", params: RunIdParams, body: RunActionBody, action: "run.stop" },
  async ({ params, body, principal, auditTarget }) => {
    auditTarget({ type: "run", id: params.runId.slice(0, 200), details: body.reason ? { reason: body.reason } : {} });
    return stopRun({ principal, publicId: params.runId, reason: body.reason });
  },
);
