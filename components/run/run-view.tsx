"use client";
/**
 * The live part of the run page. It seeds TanStack Query with the server's data, keeps "run:<publicId>" on
 * the tab's live stream (every change invalidates the run's queries and they refetch in the background —
 * structural sharing keeps unchanged steps the same objects, so nothing flickers and scroll positions stay),
 * and holds the view state in the URL query so a copied link opens the same view.
 */
import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useLiveTopic } from "@/components/live/live-provider";
import { useNow } from "@/components/ui/use-now";
import {
  type GraphModel,
  type NodeState,
  nodeIdForStepKey,
  nodeStates,
  withContainerStates,
  withMapRunStates,
} from "@/lib/runs/graph";
import type { GraphLayout } from "@/lib/runs/graph-layout";
import type { Run, StepSummary } from "@/lib/runs/schema";
import { type DetailTab, parseViewState, type RunViewState } from "@/lib/runs/view-state";
import { runLook } from "@/lib/status";
import { ChangesPanel } from "./changes-panel";
import { useRun, useRunChanges, useRunSteps } from "./queries";
import styles from "./run.module.css";
import type { RunActionFns } from "./run-actions";
import { RunHeader } from "./run-header";
import { type RunPageContextValue, RunPageProvider, type RunPageSelection } from "./run-page-context";
import { findMapRun, parseAttempt } from "./run-url";
import { StateGraph } from "./state-graph";
import { StepDetails } from "./step-details";
import { Timeline } from "./timeline";
import { useStepKeys } from "./use-step-keys";

export type RunViewProps = {
  initialRun: Run;
  /** The first screen's steps (a part of them for a long run) and how many there are in all. */
  initialSteps: StepSummary[];
  stepTotal: number;
  /** The graph's node states for `initialStatesIteration`, computed on the server from every step. */
  initialStates: [string, NodeState][];
  initialStatesIteration: number | null;
  initialIterations: number[];
  model: GraphModel;
  initialLayout: GraphLayout;
  layoutKey: string;
  renderedAt: number;
  /** The live_event id the server's data is as of: the live stream replays what came after it (no refetch). */
  liveEventId: string | null;
  /** Server actions, only for members of the owning team. */
  actions: RunActionFns | null;
};

const VIEW_KEYS = ["step", "tab", "zoom", "window", "iteration", "filter", "sort", "attempt", "mapRun"] as const;
type ViewPatch = Partial<RunViewState> & Partial<RunPageSelection>;

export function RunView(props: RunViewProps) {
  const { initialRun, model, initialLayout, layoutKey, renderedAt, actions } = props;
  const publicId = initialRun.publicId;
  useLiveTopic(`run:${publicId}`, undefined, props.liveEventId);
  const run = useRun(publicId, initialRun).data;
  const stepList = useRunSteps(publicId, {
    run: { publicId, status: initialRun.status, version: initialRun.version },
    steps: props.initialSteps,
    total: props.stepTotal,
    nextOffset: null,
  }).data;
  const steps = stepList.steps;
  const changes = useRunChanges(publicId);
  const [ghostShown, setGhostShown] = useState(false);
  const baselineRun = changes.data?.baseline ?? null;
  const baselineSteps = changes.data?.baselineSteps;
  const toggleGhost = useCallback(() => setGhostShown((shown) => !shown), []);
  const timelineBaseline = useMemo(
    () =>
      baselineRun && baselineSteps
        ? { name: baselineRun.name, steps: baselineSteps, shown: ghostShown, onToggle: toggleGhost }
        : null,
    [baselineRun, baselineSteps, ghostShown, toggleGhost],
  );
  // Until the whole list is in, the graph shows the server's states and the iterations it found.
  const complete = steps.length >= stepList.total;
  const running = run.status === "RUNNING" || steps.some((s) => s.status === "RUNNING");
  const now = useNow(renderedAt, running ? 1000 : null);

  // The tab title names the status too (it was rendered on the server); keep it true as the run moves on.
  const statusLabel = runLook(run.status).word;
  useEffect(() => {
    document.title = `${run.name} · ${run.pipeline.name} · ${statusLabel} · Stepwise`;
  }, [run.name, run.pipeline.name, statusLabel]);

  const searchParams = useSearchParams();
  const view = useMemo(() => parseViewState(Object.fromEntries(searchParams.entries())), [searchParams]);
  const setView = useCallback((patch: ViewPatch) => {
    // replaceState (not router.replace): view changes need no server round trip, and Next keeps
    // useSearchParams in step with it. Unknown parameters are kept.
    const params = new URLSearchParams(window.location.search);
    for (const key of VIEW_KEYS) {
      if (!(key in patch)) continue;
      const value = patch[key];
      if (value === undefined || value === null || value === "" || (key === "zoom" && value === 1)) params.delete(key);
      else params.set(key, String(value));
    }
    if (params.get("zoom") === null) params.delete("window");
    const qs = params.toString();
    window.history.replaceState(null, "", `${window.location.pathname}${qs ? `?${qs}` : ""}`);
  }, []);

  const { initialIterations, initialStates, initialStatesIteration } = props;
  const iterations = useMemo(() => {
    if (!complete) return initialIterations;
    const set = new Set<number>();
    for (const s of steps) if (s.mapIterationIndex !== null) set.add(s.mapIterationIndex);
    return [...set].sort((a, b) => a - b);
  }, [steps, complete, initialIterations]);
  const serverStates = useMemo(() => new Map(initialStates), [initialStates]);
  const states = useMemo(
    () =>
      !complete && (view.iteration ?? null) === initialStatesIteration
        ? serverStates
        : withContainerStates(
            model,
            withMapRunStates(model, nodeStates(steps, { iteration: view.iteration }), run.mapRuns),
          ),
    [model, steps, view.iteration, complete, serverStates, initialStatesIteration, run.mapRuns],
  );

  // `&mapRun=` alone opens the step that started that Map Run; with `&step=` it must be that step's own.
  const urlMapRun = findMapRun(run.mapRuns, searchParams.get("mapRun"));
  const stepKey = view.step ?? urlMapRun?.stepKey;
  const selectedStep = stepKey ? steps.find((s) => s.key === stepKey) : undefined;
  const openMapRun = urlMapRun && urlMapRun.stepKey === selectedStep?.key ? searchParams.get("mapRun") : null;
  const attempt = selectedStep
    ? parseAttempt(searchParams.get("attempt"), selectedStep.attemptLog?.length ?? selectedStep.attempts)
    : null;
  const selectPart = useCallback((patch: Partial<RunPageSelection>) => setView(patch), [setView]);
  const pageContext = useMemo(
    (): RunPageContextValue => ({ run, actions, attempt, mapRun: openMapRun, select: selectPart }),
    [run, actions, attempt, openMapRun, selectPart],
  );
  const selectedNodeId = stepKey ? (selectedStep ? nodeIdForStepKey(selectedStep.key) : stepKey) : null;
  const graphNode = !selectedStep && stepKey ? model.nodes.find((n) => n.id === stepKey) : undefined;
  const selectedRules = selectedNodeId ? model.nodes.find((n) => n.id === selectedNodeId)?.rules : undefined;

  const selectNode = useCallback(
    (nodeId: string) => {
      // A node stands for all executions of its state: select the running one, else the latest.
      const key = states.get(nodeId)?.stepKey || nodeId;
      setView({ step: key, attempt: undefined, mapRun: undefined });
    },
    [states, setView],
  );
  const selectStep = useCallback(
    (key: string | null) => setView({ step: key ?? undefined, tab: undefined, attempt: undefined, mapRun: undefined }),
    [setView],
  );
  const setTab = useCallback((tab: DetailTab) => setView({ tab }), [setView]);
  const closeStep = useCallback(() => selectStep(null), [selectStep]);
  useStepKeys({ open: Boolean(stepKey), onClose: closeStep });

  return (
    <RunPageProvider value={pageContext}>
      <div className={styles.page}>
        <RunHeader run={run} now={now} actions={actions} />
        <div className={styles.layout}>
          <div className={`${styles.pane} ${styles.graphPane}`}>
            <StateGraph
              model={model}
              initialLayout={initialLayout}
              layoutKey={layoutKey}
              states={states}
              selectedNodeId={selectedNodeId}
              onSelectNode={selectNode}
              iterations={iterations}
              iteration={view.iteration}
              onIterationChange={(iteration) => setView({ iteration })}
            />
          </div>
          <div className={`${styles.pane} ${styles.detailsPane}`}>
            <StepDetails
              run={run}
              steps={steps}
              selectedKey={selectedStep ? selectedStep.key : null}
              selectedNode={
                graphNode
                  ? { id: graphNode.id, name: graphNode.name, type: graphNode.type, state: states.get(graphNode.id) }
                  : null
              }
              tab={view.tab}
              now={now}
              rules={selectedRules}
              onSelect={selectStep}
              onTabChange={setTab}
            />
          </div>
          <div className={`${styles.pane} ${styles.timelinePane}`}>
            <Timeline
              run={run}
              steps={steps}
              total={stepList.total}
              now={now}
              selectedKey={selectedStep?.key ?? null}
              onSelect={selectStep}
              zoom={view.zoom ?? 1}
              windowStart={view.window ?? 0}
              failedOnly={view.filter === "failed"}
              sort={view.sort ?? "start"}
              onViewChange={setView}
              baseline={timelineBaseline}
            />
          </div>
          <div className={`${styles.pane} ${styles.changesPane}`}>
            <ChangesPanel changes={changes.data} error={changes.error} />
          </div>
        </div>
      </div>
    </RunPageProvider>
  );
}
