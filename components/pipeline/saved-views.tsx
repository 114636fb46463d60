"use client";
/**
 * Saved views of the pipeline page: the caller's own and the teams' (links to their /v/<id> short URLs),
 * "Save this view" (the page's current URL parameters: the runs table's filters and search, the metric
 * graph's metrics, axis, zoom and threshold) for oneself or a team, and delete where allowed. Loaded after
 * the first paint (/api/v1/views), so the page's own statements stay as they are.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useId, useState } from "react";
import { FetchError, fetchJson } from "@/components/ui/fetch-json";
import ui from "@/components/ui/ui.module.css";
import { viewKeys } from "@/lib/query-keys";
import { VIEW_KEYS } from "@/lib/views/keys";
import type { SavedView, SavedViewList } from "@/lib/views/schema";
import styles from "./pipeline.module.css";

async function send<T>(url: string, method: "POST" | "DELETE", body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { accept: "application/json", ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) {
    const error = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new FetchError(response.status, error?.error?.message ?? `${response.status} ${response.statusText}`);
  }
  return (await response.json()) as T;
}

/** The view-relevant parameters of the page's URL right now (the graph keeps its own with replaceState). */
function currentParams(): Record<string, string> {
  const search = new URLSearchParams(window.location.search);
  const out: Record<string, string> = {};
  for (const key of VIEW_KEYS) {
    const value = search.get(key);
    if (value) out[key] = value;
  }
  return out;
}

const ownerText = (view: SavedView) =>
  view.owner.kind === "team" ? view.owner.name : view.owner.self ? "you" : view.owner.name;

export function SavedViews({ pipelineId }: { pipelineId: number }) {
  const queryClient = useQueryClient();
  const nameId = useId();
  const ownerId = useId();
  const [status, setStatus] = useState<string | null>(null);
  const views = useQuery({
    queryKey: viewKeys.list(pipelineId),
    queryFn: ({ signal }) => fetchJson<SavedViewList>(`/api/v1/views?pipelineId=${pipelineId}`, signal),
    staleTime: 60_000,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: viewKeys.list(pipelineId) });
  const save = useMutation({
    mutationFn: (body: { name: string; team?: string }) =>
      send<SavedView>("/api/v1/views", "POST", { pipelineId, params: currentParams(), ...body }),
    onSuccess: (view, body) => {
      setStatus(
        `Saved “${view.name}” for ${body.team ? view.owner.name : "you"}: ${window.location.origin}${view.url}`,
      );
      return refresh();
    },
    onError: (error) => setStatus(`Not saved: ${error.message}`),
  });
  const remove = useMutation({
    mutationFn: (view: SavedView) => send<{ deleted: string }>(`/api/v1/views/${view.id}`, "DELETE"),
    onSuccess: (_result, view) => {
      setStatus(`Deleted “${view.name}”.`);
      return refresh();
    },
    onError: (error) => setStatus(`Not deleted: ${error.message}`),
  });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get("name") ?? "").trim();
    const owner = String(form.get("owner") ?? "");
    if (!name) {
      setStatus("Give the view a name.");
      return;
    }
    save.mutate(owner ? { name, team: owner } : { name });
    event.currentTarget.reset();
  };

  const list = views.data?.views ?? [];
  return (
    <section aria-labelledby="saved-views" className={styles.views} data-testid="saved-views">
      <h2 id="saved-views" className={styles.viewsTitle}>
        Saved views
      </h2>
      {views.isPending ? (
        <p className="muted">Loading…</p>
      ) : views.error ? (
        <p className="muted">Saved views could not be loaded: {views.error.message}</p>
      ) : list.length === 0 ? (
        <p className="muted">No saved view yet.</p>
      ) : (
        <ul className={styles.viewList}>
          {list.map((view) => (
            <li key={view.id} data-view={view.id}>
              <Link href={view.url} prefetch={false}>
                {view.name}
              </Link>
              <span className={`muted ${styles.viewOwner}`}>· {ownerText(view)}</span>
              {view.canDelete ? (
                <button
                  type="button"
                  className={styles.viewDelete}
                  onClick={() => remove.mutate(view)}
                  disabled={remove.isPending}
                  aria-label={`Delete view ${view.name}`}
                >
                  <span aria-hidden="true">×</span>
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <form className={ui.toolbar} onSubmit={onSubmit} aria-label="Save this view">
        <div className={ui.field}>
          <label htmlFor={nameId}>View name</label>
          <input id={nameId} name="name" maxLength={120} required placeholder="e.g. lr ≥ 0.01, last month" />
        </div>
        <div className={ui.field}>
          <label htmlFor={ownerId}>Owner</label>
          <select id={ownerId} name="owner" defaultValue="">
            <option value="">Only me</option>
            {(views.data?.teams ?? []).map((team) => (
              <option key={team.slug} value={team.slug}>
                Team {team.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className={ui.button} disabled={save.isPending}>
          Save this view
        </button>
      </form>
      <p role="status" className="muted" data-testid="saved-views-status">
        {status}
      </p>
    </section>
  );
}
