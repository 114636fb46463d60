"use client";
/**
 * Confirming a run action (stop, redrive, re-run: server actions): pending while it runs, the server's refusal or
 * a lost request as `error`, and on success the run's queries refetched (the live stream brings the rest). The
 * header's actions (run-actions.tsx) and the Map Run view's "Redrive failed items" (map-run-view.tsx) share it.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { runKeys } from "@/lib/query-keys";
import type { RunActionResult } from "@/lib/runs/schema";

export type RunActionFn = (input: { publicId: string; reason?: string }) => Promise<ActionResult<RunActionResult>>;

export function useRunAction(publicId: string) {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Runs the action; its result on success, null when it was refused or did not reach the server. */
  const confirm = useCallback(
    async (action: RunActionFn, reason?: string): Promise<RunActionResult | null> => {
      setPending(true);
      setError(null);
      try {
        const outcome = await action(reason === undefined ? { publicId } : { publicId, reason });
        if (!outcome.ok) {
          setError(outcome.error.message);
          return null;
        }
        void queryClient.invalidateQueries({ queryKey: runKeys.detail(publicId) });
        return outcome.data;
      } catch {
        setError("The request did not reach the server. Check your connection and try again.");
        return null;
      } finally {
        setPending(false);
      }
    },
    [publicId, queryClient],
  );
  return { pending, error, setError, confirm };
}
