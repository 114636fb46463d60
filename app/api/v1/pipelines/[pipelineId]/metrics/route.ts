import { withApi } from "@/lib/api/handler";
import { getMetricSeries } from "@/lib/pipelines/queries";
import { MetricSeriesQuery, PipelineIdParams } from "@/lib/pipelines/schema";
import { seriesTable } from "@/lib/pipelines/tables";

export const dynamic = "force-dynamic";

/** The metric-evolution series, downsampled for `width` pixels by one SQL statement; few at once per user. */
export const GET = withApi(
  { scope: "read", params: PipelineIdParams, query: MetricSeriesQuery, limit: "metric-series", csv: seriesTable },
  ({ params, query }) => getMetricSeries({ pipelineId: params.pipelineId, query }),
);
