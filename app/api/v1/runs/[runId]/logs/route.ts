import { withApi } from "@/lib/api/handler";
import { notFound } from "@/lib/errors";
import { getStepLogs } from "@/lib/runs/logs";
import { JobLogsQuery } from "@/lib/runs/logs-schema";
import { RunIdParams } from "@/lib/runs/schema";

export const dynamic = "force-dynamic";

/** A step's SageMaker job logs, read from CloudWatch Logs on demand (lib/runs/logs.ts). */
export const GET = withApi({ scope: "read", params: RunIdParams, query: JobLogsQuery }, async ({ params, query }) => {
  // The query is exactly what getStepLogs reads (step, stream, before/after, limit).
  const page = await getStepLogs({ ...query, id: params.runId });
  if (!page) throw notFound(`No run "${params.runId.slice(0, 200)}".`);
  return page;
});
