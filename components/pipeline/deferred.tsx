"use client";
/**
 * The pipeline page's islands below the metric graph, loaded after the page has hydrated: both read their
 * data in the browser anyway (after the first paint), and their code is not on the way of the graph's
 * hydration — the page's first job is a graph that can be hovered (bench/modules/metric-graph.ts).
 */
import dynamic from "next/dynamic";

export const DeferredTrainingCurves = dynamic(
  () => import("@/components/charts/training-curves").then((m) => m.TrainingCurves),
  { ssr: false, loading: () => <p className="muted">Loading curves…</p> },
);

export const DeferredSavedViews = dynamic(() => import("./saved-views").then((m) => m.SavedViews), {
  ssr: false,
  loading: () => null,
});
