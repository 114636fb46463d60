import { withApi } from "@/lib/api/handler";
import { getRunChanges } from "@/lib/changes/queries";
import { notFound } from "@/lib/errors";
import { RunIdParams } from "@/lib/runs/schema";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", params: RunIdParams }, async ({ params }) => {
  const changes = await getRunChanges({ id: params.runId });
  if (!changes) throw notFound(`No run "${params.runId.slice(0, 200)}".`);
  return changes;
});
