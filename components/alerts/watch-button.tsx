"use client";
/**
 * "Watch" on the pipeline page's header: the pipeline's alerts go to the caller's own inbox
 * (PUT /api/v1/pipelines/{id}/watch). A toggle button (aria-pressed) whose word says the state — "Watching"
 * with a filled eye, "Watch" with an outline — so it never relies on colour. Read after the first paint, so
 * the pipeline page's own statements stay what they were.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { fetchJson } from "@/components/ui/fetch-json";
import ui from "@/components/ui/ui.module.css";
import { alertKeys } from "@/lib/query-keys";
import styles from "./alerts.module.css";

export function WatchButton({ pipelineId }: { pipelineId: number }) {
  const queryClient = useQueryClient();
  const key = alertKeys.watch(pipelineId);
  const state = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => fetchJson<{ watching: boolean }>(`/api/v1/pipelines/${pipelineId}/watch`, signal),
  });
  const toggle = useMutation({
    mutationFn: async (watching: boolean) => {
      const response = await fetch(`/api/v1/pipelines/${pipelineId}/watch`, {
        method: "PUT",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ watching }),
      });
      if (!response.ok) throw new Error(`watch: ${response.status}`);
      return (await response.json()) as { watching: boolean };
    },
    onSuccess: (answer) => queryClient.setQueryData(key, answer),
  });
  const watching = state.data?.watching ?? false;
  return (
    <button
      type="button"
      className={`${ui.button} ${styles.watch} no-print`}
      aria-pressed={watching}
      disabled={state.isPending || toggle.isPending}
      onClick={() => toggle.mutate(!watching)}
      title={watching ? "Its alerts go to your inbox; press to stop" : "Get this pipeline's alerts in your inbox"}
      data-testid="watch-button"
    >
      <span aria-hidden="true">{watching ? "◉" : "○"}</span>
      {watching ? "Watching" : "Watch"}
    </button>
  );
}
