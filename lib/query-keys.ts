/**
 * TanStack Query key factories, one per domain, and the mapping from a live
 * topic to the keys it makes stale. Client and server safe (no imports).
 * A live message only says "run X changed"; the client invalidates these keys
 * and the hooks refetch what they show.
 */
export const pipelineKeys = {
  all: ["pipelines"] as const,
  list: (params: Record<string, unknown> = {}) => ["pipelines", "list", params] as const,
  detail: (id: number | string) => ["pipelines", "detail", String(id)] as const,
  runs: (id: number | string, params: Record<string, unknown> = {}) =>
    ["pipelines", "detail", String(id), "runs", params] as const,
  metrics: (id: number | string, params: Record<string, unknown> = {}) =>
    ["pipelines", "detail", String(id), "metrics", params] as const,
};

export const runKeys = {
  all: ["runs"] as const,
  detail: (publicId: string) => ["runs", publicId] as const,
  steps: (publicId: string) => ["runs", publicId, "steps"] as const,
};

/** Saved views of a pipeline page (components/pipeline/saved-views.tsx). */
export const viewKeys = {
  all: ["views"] as const,
  list: (pipelineId: number | string) => ["views", String(pipelineId)] as const,
};

/** The caller's in-app inbox (the header's bell). */
export const inboxKeys = {
  all: ["inbox"] as const,
};

/** The Alerts page's delivery logs and the pipeline header's watch toggle. */
export const alertKeys = {
  all: ["alerts"] as const,
  deliveries: (channelId: number) => ["alerts", "deliveries", channelId] as const,
  watch: (pipelineId: number) => ["alerts", "watch", pipelineId] as const,
};

export const modelKeys = {
  all: ["models"] as const,
  list: (params: Record<string, unknown> = {}) => ["models", "list", params] as const,
  detail: (id: number | string) => ["models", "detail", String(id)] as const,
};

/** Query-key prefixes that a change on `topic` makes stale. */
export function keysForTopic(topic: string): readonly (readonly string[])[] {
  const [kind, id] = topic.split(":", 2);
  switch (kind) {
    case "pipelines":
      return [pipelineKeys.all];
    case "pipeline":
      return id ? [pipelineKeys.detail(id), ["pipelines", "list"]] : [];
    case "run":
      return id ? [runKeys.detail(id)] : [];
    case "models":
      return [modelKeys.all];
    case "inbox":
      return [inboxKeys.all];
    case "model":
      return id ? [modelKeys.detail(id), ["models", "list"]] : [];
    default:
      return [];
  }
}
