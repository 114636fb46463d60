/**
 * /runs/<publicId>: the live view of one execution (app/_views/run.tsx). /runs/<execution ARN> redirects to
 * the canonical URL, keeping the view-state query. The page links an oEmbed description of itself, so chat
 * tools and wikis unfurl a shared run URL into a status card (app/api/oembed).
 */
import type { Metadata } from "next";
import { decodeRunId, firstValue, loadRunPage, RunPageView, type RunSearchParams } from "@/app/_views/run";
import { runLook } from "@/lib/status";
import { redriveRunAction, rerunRunAction, stopRunAction } from "./actions";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ runId: string }>;
  searchParams: Promise<RunSearchParams>;
};

export async function generateMetadata({ params, searchParams }: Props): Promise<Metadata> {
  const id = decodeRunId((await params).runId);
  const page = await loadRunPage(id, firstValue((await searchParams).step) ?? null);
  if (!page) return { title: "Run not found" };
  const { run } = page;
  const status = runLook(run.status).word;
  const title = `${run.name} · ${run.pipeline.name} · ${status}`;
  const description = `Run of ${run.pipeline.name} (${status.toLowerCase()}), started ${run.startedAt.slice(0, 16).replace("T", " ")} UTC.`;
  return {
    title,
    description,
    openGraph: { title, description, type: "website", siteName: "Stepwise" },
    robots: { index: false },
    alternates: {
      types: { "application/json+oembed": `/api/oembed?url=${encodeURIComponent(`/runs/${run.publicId}`)}` },
    },
  };
}

export default async function RunPage({ params, searchParams }: Props) {
  return (
    <RunPageView
      id={decodeRunId((await params).runId)}
      query={await searchParams}
      basePath="/runs"
      actions={{ stop: stopRunAction, redrive: redriveRunAction, rerun: rerunRunAction }}
    />
  );
}
