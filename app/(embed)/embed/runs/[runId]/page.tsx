/** /embed/runs/<id>: the run view without the portal's chrome, read-only, live (app/_views/run.tsx). */
import type { Metadata } from "next";
import { decodeRunId, RunPageView, type RunSearchParams } from "@/app/_views/run";
import { requirePrincipal } from "@/lib/auth/current";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ runId: string }>; searchParams: Promise<RunSearchParams> };

export async function generateMetadata(): Promise<Metadata> {
  await requirePrincipal();
  return { title: "Run · Stepwise", robots: { index: false } };
}

export default async function EmbeddedRunPage({ params, searchParams }: Props) {
  return (
    <RunPageView
      id={decodeRunId((await params).runId)}
      query={await searchParams}
      basePath="/embed/runs"
      actions={null}
    />
  );
}
