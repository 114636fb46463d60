/** /embed/pipelines/<id>/graph: the pipeline's latest run, live, without the portal's chrome (read-only). */
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RunPageView, type RunSearchParams } from "@/app/_views/run";
import { requirePrincipal } from "@/lib/auth/current";
import { latestRunOfPipeline } from "@/lib/dal/runs";
import { PipelineIdParams } from "@/lib/pipelines/schema";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ pipelineId: string }>; searchParams: Promise<RunSearchParams> };

export async function generateMetadata(): Promise<Metadata> {
  await requirePrincipal();
  return { title: "Latest run · Stepwise", robots: { index: false } };
}

export default async function EmbeddedLatestRunPage({ params, searchParams }: Props) {
  const parsed = PipelineIdParams.safeParse(await params);
  if (!parsed.success) notFound();
  const latest = await latestRunOfPipeline({ pipelineId: parsed.data.pipelineId });
  if (!latest) {
    return (
      <div className="empty-state">
        <p>This pipeline has no runs yet, or you cannot see it.</p>
      </div>
    );
  }
  return <RunPageView id={latest} query={await searchParams} basePath="/embed/runs" actions={null} />;
}
