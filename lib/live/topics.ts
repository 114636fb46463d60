/**
 * Live topics a client can subscribe to. Shared by the SSE route (validation),
 * the sync (which writes them into live_event) and the client hook. No server imports.
 */
/** `inbox` is the caller's own inbox: the SSE route turns it into `inbox:<their user id>` (never another's). */
export const TOPIC_PATTERN = /^(pipelines|models|inbox|pipeline:\d{1,10}|run:[A-Za-z0-9_-]{1,64}|model:\d{1,10})$/;
export const MAX_TOPICS = 50;

export type LiveChange = { topic: string; kind: string; id: string; version: number };

/** Parses `?topics=a,b,c`; returns the topics or a message saying what is wrong. */
export function parseTopics(raw: string | null): { topics: string[] } | { error: string } {
  if (!raw) return { error: "topics is required, e.g. ?topics=pipelines,run:abc123" };
  const topics = [
    ...new Set(
      raw
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  if (topics.length === 0) return { error: "topics is empty" };
  if (topics.length > MAX_TOPICS) return { error: `at most ${MAX_TOPICS} topics per stream` };
  const bad = topics.find((t) => !TOPIC_PATTERN.test(t));
  if (bad)
    return {
      error: `unknown topic "${bad.slice(0, 80)}": use pipelines, models, inbox, pipeline:<id>, run:<id> or model:<id>`,
    };
  return { topics };
}
