"use client";
/**
 * One EventSource per tab carrying every topic the mounted components want
 * (browsers allow only six HTTP/1.1 connections per host, so one stream per
 * component would starve the page). Components call useLiveTopic(topic); the
 * provider keeps the union of topics, reopens the stream when it changes,
 * invalidates the matching TanStack Query keys on each message, and while the
 * stream is down it falls back to polling those keys.
 *
 * Nothing committed between what the page shows and the stream's "ready" is lost, and nothing the page
 * already shows is fetched again: a page's server render states the live_event id its data is as of (read in
 * the same statement, so the same snapshot, as the data) and passes it to useLiveTopic; a stream opened
 * after another carries on from the last event id it delivered. The stream opens with `?lastEventId=` the
 * lowest such id of its topics (stream-plan.ts), the server replays what came after it, and only the topics
 * known as of no id are refetched once the stream is ready (a component that states no id; a topic seen
 * before in this tab, whose cached queries may be older than the render's id). When the id is too old for
 * the server's catch-up window it answers "resync" and every topic is refetched. Without this, a run that
 * ended between the page's render and the subscription stayed "Running" for good (a finished run sends no
 * further change); before pages stated their id, every page's first stream refetched all its queries.
 */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import { keysForTopic } from "@/lib/query-keys";
import { isEventId, lowerId, planStream } from "./stream-plan";

export type LiveStatus = "idle" | "connecting" | "live" | "reconnecting" | "signed-out";
type LiveMessage = { topic: string; kind: string; id: string; version: number };
type Listener = (message: LiveMessage) => void;

type LiveContextValue = {
  status: LiveStatus;
  /** `asOf`: the live_event id the caller's data of this topic is as of (its server render's), if known. */
  retain: (topic: string, asOf?: string | null) => () => void;
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
  /**
   * `point`: every event after it on the `covered` topics (those the last ready stream carried) has reached
   * this tab — the id that stream started after, then the last id it delivered; null when unknown.
   */
  const point = useRef<string | null>(null);
  const covered = useRef(new Set<string>());
  /** Topics some stream of this tab has carried: their queries may be cached from then, older than any render. */
  const carried = useRef(new Set<string>());
  /** The as-of ids mounted components stated, per topic (one entry per useLiveTopic call). */
  const declared = useRef(new Map<string, Map<symbol, string>>());

  const recomputeTopics = useCallback(() => {
    if (reopenTimer.current) clearTimeout(reopenTimer.current);
    reopenTimer.current = setTimeout(
      () => setTopicKey([...counts.current.keys()].sort().join(",")),
      REOPEN_DEBOUNCE_MS,
    );
  }, []);

  const retain = useCallback(
    (topic: string, asOf?: string | null) => {
      counts.current.set(topic, (counts.current.get(topic) ?? 0) + 1);
      const token = Symbol(topic);
      if (isEventId(asOf)) {
        const mine = declared.current.get(topic) ?? new Map<symbol, string>();
        mine.set(token, asOf);
        declared.current.set(topic, mine);
      }
      recomputeTopics();
      return () => {
        const n = (counts.current.get(topic) ?? 1) - 1;
        if (n <= 0) counts.current.delete(topic);
        else counts.current.set(topic, n);
        const mine = declared.current.get(topic);
        mine?.delete(token);
        if (mine?.size === 0) declared.current.delete(topic);
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
    // A topic is known as of the ids its components stated only when every component keeping it stated one
    // (one that did not may show data read at another moment), and only when no stream of this tab carried it
    // yet: only then do its queries hold the renders' data (a topic seen before may show what the cache kept).
    const stated = new Map<string, string>();
    for (const topic of topics) {
      const ids = declared.current.get(topic);
      if (carried.current.has(topic) || !ids || ids.size < (counts.current.get(topic) ?? 0)) continue;
      let lowest: string | undefined;
      for (const id of ids.values()) lowest = lowerId(lowest, id);
      if (lowest !== undefined) stated.set(topic, lowest);
    }
    const plan = planStream({ topics, covered: covered.current, point: point.current, declared: stated });
    // EventSource sends Last-Event-ID itself when it reconnects after an event; before any, it reconnects to
    // this same URL, so the server catches up from `after` either way.
    const after = plan.after;
    const source = new EventSource(
      `/api/live?topics=${encodeURIComponent(topicKey)}${after ? `&lastEventId=${encodeURIComponent(after)}` : ""}`,
    );
    let readies = 0;
    let seenHere = false;
    let resynced = false;
    source.addEventListener("ready", () => {
      setStatus("live");
      stopPolling();
      // After a resync every topic was refetched already. Else the server caught up from `after` (or from the
      // last id this stream delivered, on a reconnect): only the topics it could not catch up are refetched.
      const caughtUp = after !== null || seenHere;
      if (!resynced) invalidate(readies === 0 ? plan.refetch : caughtUp ? [] : topics);
      if (readies === 0 && !seenHere) point.current = resynced ? null : after;
      readies += 1;
      resynced = false;
      covered.current = new Set(topics);
      for (const topic of topics) carried.current.add(topic);
    });
    source.addEventListener("change", (event) => {
      if ((event as MessageEvent).lastEventId) {
        point.current = (event as MessageEvent).lastEventId;
        seenHere = true;
      }
      const message = JSON.parse((event as MessageEvent<string>).data) as LiveMessage;
      for (const queryKey of keysForTopic(message.topic))
        void queryClient.invalidateQueries({ queryKey: [...queryKey] });
      for (const listener of listeners.current) listener(message);
    });
    source.addEventListener("resync", () => {
      // The server could not catch up (the id is past its window, or the instance lost its LISTEN connection).
      resynced = true;
      point.current = null;
      invalidateTopics();
    });
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
 * queries for it are invalidated on every change. `onMessage` sees each message. `asOf`, from the page's
 * server render (the live_event id its data is as of), lets the stream replay what came after that render
 * instead of refetching the topic's queries.
 */
export function useLiveTopic(topic: string | null, onMessage?: Listener, asOf?: string | null): LiveStatus {
  const { status, retain, listen } = useLiveContext();
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => (topic ? retain(topic, asOf) : undefined), [topic, asOf, retain]);
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
