import { withApi } from "@/lib/api/handler";
import { notFound } from "@/lib/errors";
import { getRun } from "@/lib/runs/queries";
import { RunIdParams, RunQuery } from "@/lib/runs/schema";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", params: RunIdParams, query: RunQuery }, async ({ params, query }) => {
  const run = await getRun({ id: params.runId, payloads: query.payloads === "1" });
  if (!run) throw notFound(`No run "${params.runId.slice(0, 200)}".`);
  return run;
});
