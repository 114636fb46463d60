"use client";
/**
 * What the step panel's inner pieces (the attempts list, the Map Run view) need from the page without every
 * component in between passing it on: the run actions (null when the viewer may not act, or the view is
 * embedded and read-only) and the part of the view state they own in the URL — the selected attempt of the
 * selected step and whether its Map Run is open (which one, when the step started several).
 */
import { createContext, useContext } from "react";
import type { Run } from "@/lib/runs/schema";
import type { RunActionFns } from "./run-actions";

export type RunPageSelection = {
  /** 1-based attempt of the selected step, as `&attempt=` says; null when none (or the value is not valid). */
  attempt: number | null;
  /** The open Map Run as `&mapRun=` names it (its label, or its 1-based position among the run's Map Runs). */
  mapRun: string | null;
};

export type RunPageContextValue = RunPageSelection & {
  /** The run as the page shows it now (null only outside a run page). */
  run: Run | null;
  actions: RunActionFns | null;
  select: (patch: Partial<RunPageSelection>) => void;
};

const RunPageContext = createContext<RunPageContextValue>({
  run: null,
  actions: null,
  attempt: null,
  mapRun: null,
  select: () => undefined,
});

export const RunPageProvider = RunPageContext.Provider;

export function useRunPage(): RunPageContextValue {
  return useContext(RunPageContext);
}
