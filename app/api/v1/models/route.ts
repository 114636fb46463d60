import type { CsvTable } from "@/lib/api/csv";
import { withApi } from "@/lib/api/handler";
import { listModels } from "@/lib/models/queries";
import { type ModelListItem, ModelListQuery } from "@/lib/models/schema";

const modelsTable = (answer: { models: ModelListItem[] }): CsvTable => ({
  name: "models",
  rows: answer.models as unknown as Record<string, unknown>[],
  leading: ["id", "name"],
});

export const dynamic = "force-dynamic";

/** GET /api/v1/models — every model with its newest version; filters q, team, status, pipeline. */
export const GET = withApi({ scope: "read", query: ModelListQuery, csv: modelsTable }, async ({ query }) => ({
  models: await listModels(query),
}));
