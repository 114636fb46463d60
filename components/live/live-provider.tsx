"use client";
/**
 * One EventSource per tab carrying every topic the mounted components want
 * (browsers allow only six HTTP/1.1 connections per host, so one stream per
 * component would starve the page). Components call useLiveTopic(topic); the
 * provider keeps the union of topics, reopens the stream when it changes,
 * invalidates the matching TanStack Query keys on each message, and while the
 * stream is down it falls back to polling those keys.
 *
 * Nothing committed between what the page shows and the stream's "ready" is lost: a stream opened after
 * another carries the last event id seen (the server sends what came after it for the topics both streams
 * carried), and every topic the server could not catch up — a new topic, or any topic when no event id is
 * known (the first stream of a page load, a reconnect before any event) — has its queries refetched once
 * when the stream is ready. Without this, a run that ended between the page's render and the subscription
 * stayed "Running" for good (a finished run sends no further change).
 */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import { keysForTopic } from "@/lib/query-keys";

export type LiveStatus = "idle" | "connecting" | "live" | "reconnecting" | "signed-out";
type LiveMessage = { topic: string; kind: string; id: string; version: number };
type Listener = (message: LiveMessage) => void;

type LiveContextValue = {
  status: LiveStatus;
  retain: (topic: string) => () => void;
  listen: (listener: Listener) => () => void;
};

const LiveContext = createContext<LiveContextValue | null>(null);
const POLL_WHILE_DOWN_MS = 10_000;
const REOPEN_DEBOUNCE_MS = 50;

export function LiveProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>("idle");
  const [topicKey, setTopicKey] = useState("");
  const counts = useRef(new Map<string, number>());
  const listeners = useRef(new Set<Listener>());
  const reopenTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** The last event id any stream of this tab delivered, and the topics the last ready stream carried. */
  const lastEventId = useRef<string | null>(null);
  const covered = useRef(new Set<string>());

  const recomputeTopics = useCallback(() => {
    if (reopenTimer.current) clearTimeout(reopenTimer.current);
    reopenTimer.current = setTimeout(
      () => setTopicKey([...counts.current.keys()].sort().join(",")),
      REOPEN_DEBOUNCE_MS,
    );
  }, []);

  const retain = useCallback(
    (topic: string) => {
      counts.current.set(topic, (counts.current.get(topic) ?? 0) + 1);
      recomputeTopics();
      return () => {
        const n = (counts.current.get(topic) ?? 1) - 1;
        if (n <= 0) counts.current.delete(topic);
        else counts.current.set(topic, n);
        recomputeTopics();
      };
    },
    [recomputeTopics],
  );

  const listen = useCallback((listener: Listener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  useEffect(() => {
    if (!topicKey) {
      setStatus("idle");
      return;
    }
    const topics = topicKey.split(",");
    const invalidate = (stale: readonly string[]) => {
      for (const topic of stale) {
        for (const queryKey of keysForTopic(topic)) void queryClient.invalidateQueries({ queryKey: [...queryKey] });
      }
    };
    const invalidateTopics = () => invalidate(topics);
    let poll: ReturnType<typeof setInterval> | null = null;
    const startPolling = () => {
      poll ??= setInterval(invalidateTopics, POLL_WHILE_DOWN_MS);
    };
    const stopPolling = () => {
      if (poll) clearInterval(poll);
      poll = null;
    };

    setStatus("connecting");
    // EventSource sends Last-Event-ID itself when it reconnects after an event; a new stream (other topics)
    // names the last id the previous one delivered, so the server can catch up either way.
    const after = lastEventId.current;
    const source = new EventSource(
      `/api/live?topics=${encodeURIComponent(topicKey)}${after ? `&lastEventId=${encodeURIComponent(after)}` : ""}`,
    );
    let readies = 0;
    let seenHere = false;
    source.addEventListener("ready", () => {
      setStatus("live");
      stopPolling();
      // Caught up by the server: the first ready when an id was sent, a reconnect when this stream saw an id.
      const caughtUp = readies === 0 ? after !== null : seenHere;
      readies += 1;
      invalidate(caughtUp ? topics.filter((topic) => !covered.current.has(topic)) : topics);
      covered.current = new Set(topics);
    });
    source.addEventListener("change", (event) => {
      if ((event as MessageEvent).lastEventId) {
        lastEventId.current = (event as MessageEvent).lastEventId;
        seenHere = true;
      }
      const message = JSON.parse((event as MessageEvent<string>).data) as LiveMessage;
      for (const queryKey of keysForTopic(message.topic))
        void queryClient.invalidateQueries({ queryKey: [...queryKey] });
      for (const listener of listeners.current) listener(message);
    });
    source.addEventListener("resync", invalidateTopics);
    source.addEventListener("unauthorized", () => {
      source.close();
      stopPolling();
      setStatus("signed-out");
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) return;
      setStatus("reconnecting");
      startPolling();
    };
    return () => {
      source.close();
      stopPolling();
    };
  }, [topicKey, queryClient]);

  const value = useMemo(() => ({ status, retain, listen }), [status, retain, listen]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

function useLiveContext(): LiveContextValue {
  const context = useContext(LiveContext);
  if (!context) throw new Error("useLiveTopic must be used inside <LiveProvider>");
  return context;
}

/**
 * Keeps `topic` on the tab's live stream while the component is mounted; the
 * queries for it are invalidated on every change. `onMessage` sees each message.
 */
export function useLiveTopic(topic: string | null, onMessage?: Listener): LiveStatus {
  const { status, retain, listen } = useLiveContext();
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => (topic ? retain(topic) : undefined), [topic, retain]);
  useEffect(
    () =>
      listen((message) => {
        if (message.topic === topic) handler.current?.(message);
      }),
    [topic, listen],
  );
  return status;
}

export function useLiveStatus(): LiveStatus {
  return useLiveContext().status;
}
