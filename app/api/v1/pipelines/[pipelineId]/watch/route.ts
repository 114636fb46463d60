import { PipelineIdParams, WatchBody } from "@/lib/alerts/api-schema";
import { isWatching, setWatch } from "@/lib/alerts/manage";
import { withApi } from "@/lib/api/handler";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", params: PipelineIdParams }, async ({ params, principal }) => ({
  watching: await isWatching(principal.user.id, params.pipelineId),
}));

/** Watch (or stop watching) a pipeline: its alerts go to the caller's own inbox. Any signed-in user; audited. */
export const PUT = withApi(
  { scope: "write", params: PipelineIdParams, body: WatchBody, action: "pipeline.watch" },
  async ({ params, body, principal, auditTarget }) => {
    auditTarget({ type: "pipeline", id: String(params.pipelineId), details: { watching: body.watching } });
    return { watching: await setWatch(principal.user.id, params.pipelineId, body.watching) };
  },
);
