import { withApi } from "@/lib/api/handler";
import { notFound } from "@/lib/errors";
import { getStepDetail } from "@/lib/runs/queries";
import { StepKeyParams } from "@/lib/runs/schema";

export const dynamic = "force-dynamic";

/** A step key's "/" are path separators here: /steps/ForecastPerMarket[3]/TrainForecaster. */
export const GET = withApi({ scope: "read", params: StepKeyParams }, async ({ params }) => {
  const key = params.key.join("/");
  const detail = await getStepDetail({ id: params.runId, key });
  if (!detail) throw notFound(`No step "${key.slice(0, 200)}" in run "${params.runId.slice(0, 200)}".`);
  return detail;
});
