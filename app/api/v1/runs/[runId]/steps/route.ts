import { withApi } from "@/lib/api/handler";
import { notFound } from "@/lib/errors";
import { listRunSteps } from "@/lib/runs/queries";
import { RunIdParams, StepsQuery } from "@/lib/runs/schema";
import { stepsTable } from "@/lib/runs/tables";

export const dynamic = "force-dynamic";

export const GET = withApi(
  { scope: "read", params: RunIdParams, query: StepsQuery, csv: stepsTable },
  async ({ params, query }) => {
    const list = await listRunSteps({
      id: params.runId,
      status: query.status,
      offset: query.offset,
      limit: query.limit ?? null,
    });
    if (!list) throw notFound(`No run "${params.runId.slice(0, 200)}".`);
    return list;
  },
);
