import "server-only";
/**
 * One server-sent-events stream: the changes of its topics (kind + id + version,
 * never data), Last-Event-ID catch-up, and cleanup of its subscription the moment
 * the client goes away. Heartbeats and the credential re-check are not per stream:
 * the stream registers with lib/live/streams.ts, whose one timer per instance
 * sends heartbeats and checks all streams' sessions and tokens in one statement,
 * closing this stream with an "unauthorized" event when its credential is gone.
 */
import type { Principal } from "@/lib/auth/principal";
import { catchUp, ensureListening, type LiveEvent, subscribe } from "./hub";
import { assertStreamAllowed, credentialOf, register } from "./streams";

export type LiveStreamOptions = {
  topics: string[];
  lastEventId: number | null;
  signal: AbortSignal;
  /** Who opened it: the stream lives as long as this session or token does. */
  principal: Principal;
};

const encoder = new TextEncoder();

function frame(event: string, data: unknown, id?: number): Uint8Array {
  return encoder.encode(`${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export const SSE_HEADERS: HeadersInit = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // no-transform stops proxies from compressing or rewriting; X-Accel-Buffering stops nginx buffering.
  "Cache-Control": "no-cache, no-store, no-transform",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
  "Content-Encoding": "identity",
};

const HEARTBEAT = encoder.encode(`: heartbeat\n\n`);
const UNAUTHORIZED = frame("unauthorized", { reason: "session ended" });

/**
 * The stream for one client; throws 429 (this user's streams) or 503 (this instance's) before opening
 * one past the caps.
 */
export function createLiveStream(options: LiveStreamOptions): ReadableStream<Uint8Array> {
  assertStreamAllowed(options.principal);
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const send = (chunk: Uint8Array) => {
        if (closed) return;
        try {
          controller.enqueue(chunk);
        } catch {
          close();
        }
      };
      const close = () => {
        if (closed) return;
        closed = true;
        unregister();
        unsubscribe();
        options.signal.removeEventListener("abort", close);
        try {
          controller.close();
        } catch {
          // already closed by the runtime
        }
      };
      cleanup = close;

      // Events are buffered until the instance is LISTENing and any catch-up has been sent, so "ready"
      // means "from here on nothing is missed" and order is kept.
      let pending: LiveEvent[] | null = [];
      let lastSent = options.lastEventId ?? 0;
      // The catch-up's events, which the buffered live events may repeat (only until the buffer is flushed).
      let replayed: Set<number> | null = null;
      const deliver = (event: LiveEvent) => {
        const data = { topic: event.topic, kind: event.kind, id: event.id, version: event.version };
        if (event.eventId > lastSent) {
          lastSent = event.eventId;
          send(frame("change", data, event.eventId));
        } else {
          // Committed after a later event (the hub reads the ids it skipped): news to the client, sent without an
          // id so the client's last event id stays the highest it has seen.
          send(frame("change", data));
        }
      };
      const unsubscribe = subscribe(options.topics, {
        onChange: (event) => (pending ? pending.push(event) : deliver(event)),
        onResync: (reason) => send(frame("resync", { reason })),
      });
      const unregister = register({
        userId: options.principal.user.id,
        credential: credentialOf(options.principal),
        heartbeat: () => send(HEARTBEAT),
        revoke: () => {
          send(UNAUTHORIZED);
          close();
        },
      });
      options.signal.addEventListener("abort", close);
      if (options.signal.aborted) return close();

      send(encoder.encode(`retry: 3000\n\n`));
      const flush = () => {
        const queued = pending ?? [];
        pending = null;
        for (const event of queued) if (!replayed?.has(event.eventId)) deliver(event);
        replayed = null;
      };
      ensureListening()
        .then(async () => {
          if (options.lastEventId !== null) {
            const missed = await catchUp(options.lastEventId, options.topics).catch(() => "resync" as const);
            if (missed === "resync") {
              // The client refetches everything; an id it claims that this feed never issued must not strip the
              // ids of the events that follow (deliver sends an id only above lastSent).
              lastSent = 0;
              send(frame("resync", { reason: "gap too old" }));
            } else {
              replayed = new Set(missed.map((event) => event.eventId));
              for (const event of missed) deliver(event);
            }
          }
          send(frame("ready", { topics: options.topics }));
          flush();
        })
        .catch(() => {
          // Postgres is unreachable: the hub keeps reconnecting; the client is told to refetch meanwhile.
          send(frame("resync", { reason: "live feed unavailable" }));
          flush();
        });
    },
    cancel() {
      cleanup();
    },
  });
}
