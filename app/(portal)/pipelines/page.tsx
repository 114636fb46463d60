import type { Metadata } from "next";
import { PipelinesIndex } from "@/components/pipeline/pipelines-index";
import { listPipelines, listPipelineTeams } from "@/lib/dal/pipelines";
import { PipelineListQuery } from "@/lib/pipelines/schema";
import { searchParamsRecord } from "@/lib/pipelines/search-params";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Pipelines" };

export default async function PipelinesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const raw = searchParamsRecord(await searchParams, ["q", "team", "status", "tag", "sort", "cursor", "limit"]);
  const parsed = PipelineListQuery.safeParse(raw);
  const query = parsed.success ? parsed.data : PipelineListQuery.parse({});
  const [page, teams] = await Promise.all([listPipelines(query), listPipelineTeams()]);
  return (
    <>
      <h1>Pipelines</h1>
      {parsed.success ? null : (
        <p role="alert" className="muted">
          Some filters were not understood and were ignored.
        </p>
      )}
      <PipelinesIndex params={parsed.success ? raw : {}} initial={page} teams={teams} serverNow={Date.now()} />
    </>
  );
}
