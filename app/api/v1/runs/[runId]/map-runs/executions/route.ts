import { withApi } from "@/lib/api/handler";
import { notFound } from "@/lib/errors";
import { listMapRunExecutions } from "@/lib/runs/map-run-executions";
import { MapRunExecutionsQuery, RunIdParams } from "@/lib/runs/schema";

export const dynamic = "force-dynamic";

export const GET = withApi(
  { scope: "read", params: RunIdParams, query: MapRunExecutionsQuery },
  async ({ params, query }) => {
    const list = await listMapRunExecutions({
      id: params.runId,
      mapRunArn: query.mapRun,
      status: query.status,
      nextToken: query.nextToken,
      limit: query.limit,
    });
    if (!list) throw notFound(`No run "${params.runId.slice(0, 200)}".`);
    return list;
  },
);
