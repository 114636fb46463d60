/**
 * /runs/<publicId>: the live view of one execution. Everything the first paint needs is read in one SQL
 * statement (lib/runs/queries.ts) and the graph is laid out here, so the HTML arrives complete; the client
 * islands (components/run) then follow the run live. /runs/<execution ARN> redirects to the canonical URL,
 * keeping the view-state query.
 */
import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { RunView } from "@/components/run/run-view";
import { requirePrincipal } from "@/lib/auth/current";
import { getRunPage } from "@/lib/dal/runs";
import { buildGraph, nodeStates, withContainerStates } from "@/lib/runs/graph";
import { layoutFor } from "@/lib/runs/layout-cache";
import { runPath } from "@/lib/runs/links";
import { canActOnRun } from "@/lib/runs/permissions";
import { parseViewState } from "@/lib/runs/schema";
import { runLook } from "@/lib/status";
import { redriveRunAction, rerunRunAction, stopRunAction } from "./actions";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ runId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/** Metadata and page share one read per request. */
const loadRunPage = cache((id: string, selectedKey: string | null) => getRunPage({ id, selectedKey }));

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export async function generateMetadata({ params, searchParams }: Props): Promise<Metadata> {
  const id = decodeId((await params).runId);
  const page = await loadRunPage(id, first((await searchParams).step) ?? null);
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
  };
}

export default async function RunPage({ params, searchParams }: Props) {
  const id = decodeId((await params).runId);
  const query = await searchParams;
  const [page, principal] = await Promise.all([loadRunPage(id, first(query.step) ?? null), requirePrincipal()]);
  if (!page) notFound();
  const { run } = page;
  if (id !== run.publicId) {
    const flat = Object.fromEntries(
      Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v] as const),
    ) as Record<string, string | undefined>;
    redirect(runPath(run.publicId, flat));
  }

  const model = buildGraph(page.definition);
  const layout = await layoutFor({ key: page.layoutKey, model, cached: page.layout });
  // The graph's colours come from every step; the list itself is sent in part (the client loads the rest).
  const [keys, statuses, entered, attempts, iterations] = page.stepStates;
  const stepLikes = keys.map((key, i) => ({
    key,
    status: statuses[i] ?? "SUCCEEDED",
    enteredAt: entered[i] ?? "",
    attempts: attempts[i] ?? 1,
    mapIterationIndex: iterations[i] ?? null,
  }));
  const { iteration } = parseViewState(query);
  const states = withContainerStates(model, nodeStates(stepLikes, { iteration }));
  const iterationList = [...new Set(iterations.filter((n): n is number => n !== null))].sort((a, b) => a - b);
  const canAct = canActOnRun(principal.user, { teamId: run.pipeline.team?.id ?? null });

  return (
    <RunView
      initialRun={run}
      initialSteps={page.steps}
      stepTotal={page.stepTotal}
      initialStates={[...states.entries()]}
      initialStatesIteration={iteration ?? null}
      initialIterations={iterationList}
      model={model}
      initialLayout={layout}
      layoutKey={page.layoutKey}
      renderedAt={Date.now()}
      actions={canAct ? { stop: stopRunAction, redrive: redriveRunAction, rerun: rerunRunAction } : null}
    />
  );
}
