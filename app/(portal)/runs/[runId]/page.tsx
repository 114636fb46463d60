/**
 * /runs/<publicId>: the live view of one execution. Everything the first paint needs is read in one SQL
 * statement (lib/runs/queries.ts) and the graph is laid out here, so the HTML arrives complete; the client
 * islands (components/run) then follow the run live. /runs/<execution ARN> redirects to the canonical URL,
 * keeping the view-state query.
 */
import { createHash } from "node:crypto";
import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { RunView } from "@/components/run/run-view";
import { runLook } from "@/components/run/status";
import { requirePrincipal } from "@/lib/auth/current";
import { getRunPage } from "@/lib/dal/runs";
import { buildGraph } from "@/lib/runs/graph";
import { layoutGraph } from "@/lib/runs/graph-layout";
import { runPath } from "@/lib/runs/links";
import { canActOnRun } from "@/lib/runs/permissions";
import { redriveRunAction, rerunRunAction, stopRunAction } from "./actions";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ runId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/** Metadata and page share one read per request. */
const loadRunPage = cache((id: string) => getRunPage({ id }));

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const id = decodeId((await params).runId);
  const page = await loadRunPage(id);
  if (!page) return { title: "Run not found" };
  const { run } = page;
  const status = runLook(run.status).label;
  const title = `${run.name} · ${run.pipeline.name} · ${status}`;
  const description = `Run of ${run.pipeline.name} (${status.toLowerCase()}), started ${run.startedAt.slice(0, 16).replace("T", " ")} UTC.`;
  return {
    title,
    description,
    openGraph: { title, description, type: "website", siteName: "Stepwise" },
    robots: { index: false },
  };
}

export default async function RunPage({ params, searchParams }: Props) {
  const id = decodeId((await params).runId);
  const [page, principal] = await Promise.all([loadRunPage(id), requirePrincipal()]);
  if (!page) notFound();
  const { run } = page;
  if (id !== run.publicId) {
    const query = await searchParams;
    const flat = Object.fromEntries(
      Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v] as const),
    ) as Record<string, string | undefined>;
    redirect(runPath(run.publicId, flat));
  }

  const model = buildGraph(page.definition);
  const layoutKey = createHash("sha1")
    .update(JSON.stringify(page.definition ?? null))
    .digest("hex");
  const layout = await layoutGraph(model, new Set(), layoutKey);
  const canAct = canActOnRun(principal.user, { teamId: run.pipeline.team?.id ?? null });

  return (
    <RunView
      initialRun={run}
      initialSteps={page.steps}
      model={model}
      initialLayout={layout}
      layoutKey={layoutKey}
      renderedAt={Date.now()}
      actions={canAct ? { stop: stopRunAction, redrive: redriveRunAction, rerun: rerunRunAction } : null}
    />
  );
}
