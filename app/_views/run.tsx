/**
 * The run view as a server component, shared by the run page (/runs/<id>) and its embeddable twin
 * (/embed/runs/<id>): everything the first paint needs is read in one SQL statement (lib/runs/queries.ts),
 * the graph is laid out here, and the client islands (components/run) then follow the run live. An id that
 * is not the run's public id (its execution ARN) redirects to the canonical URL under `basePath`.
 */
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import type { RunViewProps } from "@/components/run/run-view";
import { RunView } from "@/components/run/run-view";
import { requirePrincipal } from "@/lib/auth/current";
import { getRunPage } from "@/lib/dal/runs";
import { buildGraph, nodeStates, withContainerStates, withMapRunStates } from "@/lib/runs/graph";
import { layoutFor } from "@/lib/runs/layout-cache";
import { runPath } from "@/lib/runs/links";
import { canActOnRun } from "@/lib/runs/permissions";
import { parseViewState } from "@/lib/runs/view-state";

export type RunSearchParams = Record<string, string | string[] | undefined>;

/** Metadata and page share one read per request. */
export const loadRunPage = cache((id: string, selectedKey: string | null) => getRunPage({ id, selectedKey }));

export const firstValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function decodeRunId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export async function RunPageView({
  id,
  query,
  basePath,
  actions,
}: {
  id: string;
  query: RunSearchParams;
  /** Where the canonical URL lives: "/runs" or "/embed/runs". */
  basePath: string;
  /** The run actions, for members of the owning team; null where the view is read-only (embedded). */
  actions: RunViewProps["actions"];
}) {
  const [page, principal] = await Promise.all([loadRunPage(id, firstValue(query.step) ?? null), requirePrincipal()]);
  if (!page) notFound();
  const { run } = page;
  if (id !== run.publicId) {
    const flat = Object.fromEntries(
      Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v] as const),
    ) as Record<string, string | undefined>;
    redirect(runPath(run.publicId, flat).replace(/^\/runs\//, `${basePath}/`));
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
  const states = withContainerStates(model, withMapRunStates(model, nodeStates(stepLikes, { iteration }), run.mapRuns));
  const iterationList = [...new Set(iterations.filter((n): n is number => n !== null))].sort((a, b) => a - b);
  const canAct = actions !== null && canActOnRun(principal.user, { teamId: page.teamId });

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
      liveEventId={page.liveEventId}
      actions={canAct ? actions : null}
    />
  );
}
