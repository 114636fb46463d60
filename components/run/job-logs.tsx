"use client";
/**
 * A SageMaker job's CloudWatch Logs in the step panel (GET /api/v1/runs/{id}/logs, read from AWS on
 * demand): the job's streams (a select when there are several), the last lines, "Load earlier" with AWS's
 * backward token, a search that filters and highlights within the loaded lines, and a live tail while the
 * step runs — TanStack Query polling with the forward token, every 2 s while lines come and backing off to
 * 30 s while none do, with one last read when the step ends. A role without the CloudWatch Logs permission
 * gets the server's sentence naming it.
 *
 * Log position in the shareable URL: clicking a line's time writes `log=<stream>:<timestamp>-<n>` (the n-th
 * line, from 0, with that millisecond timestamp among the loaded ones; lib/runs/logs-schema.ts) with
 * replaceState, other parameters kept; opening such a URL selects the stream, loads earlier pages until the
 * line is there (at most 20), scrolls to it and highlights it. Lines are AWS-supplied text: rendered as
 * React text, never as HTML.
 */
import { type InfiniteData, useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { Fragment, useEffect, useId, useMemo, useRef, useState } from "react";
import { FetchError, fetchJson } from "@/components/ui/fetch-json";
import ui from "@/components/ui/ui.module.css";
import { formatLogPosition, parseLogPosition } from "@/lib/runs/log-position";
import type { JobLogEvent, JobLogPage } from "@/lib/runs/logs-schema";
import type { StepSummary } from "@/lib/runs/schema";
import styles from "./job-logs.module.css";

type PageParam = { before?: string; after?: string };
type Line = JobLogEvent & { id: string; n: number };

const TAIL_FIRST_MS = 2_000;
const TAIL_MAX_MS = 30_000;
const MAX_AUTO_EARLIER = 20;

function logsUrl(publicId: string, step: string, stream: string | null, page: PageParam): string {
  const q = new URLSearchParams({ step });
  if (stream) q.set("stream", stream);
  if (page.before) q.set("before", page.before);
  if (page.after) q.set("after", page.after);
  return `/api/v1/runs/${encodeURIComponent(publicId)}/logs?${q}`;
}

/** "14:03:12.345" in UTC, the time a log line was written. */
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

export function JobLogs({ publicId, step }: { publicId: string; step: StepSummary }) {
  // A tuning job's logs are its training jobs' (not shown here); a new job (a retry) starts afresh.
  if (step.jobKind === "TUNING") return null;
  return <JobLogsPanel key={`${step.key}|${step.jobName ?? ""}`} publicId={publicId} step={step} />;
}

function JobLogsPanel({ publicId, step }: { publicId: string; step: StepSummary }) {
  const live = step.status === "RUNNING" || step.jobStatus === "InProgress" || step.jobStatus === "Stopping";
  const searchParams = useSearchParams();
  const position = useMemo(() => parseLogPosition(searchParams.get("log")), [searchParams]);
  const prefix = `${step.jobName ?? ""}/`;
  const [stream, setStream] = useState<string | null>(() =>
    position && step.jobName && position.stream.startsWith(prefix) ? position.stream : null,
  );
  const [search, setSearch] = useState("");
  const queryClient = useQueryClient();
  const key = ["run-logs", publicId, step.key, step.jobName, stream] as const;

  const logs = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam, signal }) => fetchJson<JobLogPage>(logsUrl(publicId, step.key, stream, pageParam), signal),
    initialPageParam: {} as PageParam,
    getPreviousPageParam: (first) => (first.before ? { before: first.before } : undefined),
    // Newer lines are appended by the tail below, not paged.
    getNextPageParam: () => undefined,
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
    retry: (count, error) => !(error instanceof FetchError && error.status < 500) && count < 2,
    // Nothing written yet while the job starts: ask again now and then until its first stream exists.
    refetchInterval: (query) => (live && query.state.data?.pages[0]?.reason ? 5_000 : false),
  });
  const pages = logs.data?.pages ?? [];
  const first = pages[0];
  const shownStream = first?.stream ?? stream;
  const lastAfter = pages.at(-1)?.after ?? null;

  // Tail: one more read when the step has just ended, so its last lines are not missed.
  const [draining, setDraining] = useState(false);
  const wasLive = useRef(live);
  const noLogYet = first?.reason != null;
  const refetchFirst = logs.refetch;
  useEffect(() => {
    if (wasLive.current && !live) {
      setDraining(true);
      // It ended before its first lines were seen here: read them from the end once more.
      if (noLogYet) void refetchFirst();
    }
    wasLive.current = live;
  }, [live, noLogYet, refetchFirst]);
  // A new key reads at once: new lines (a new token), the step ending, the job entering a new phase (the
  // run's live stream brings that); the same key reads again after 2 s, doubling to 30 s while nothing comes.
  const tailKey = ["run-logs-tail", ...key, lastAfter, live, step.jobPhases?.length ?? 0] as const;
  useQuery({
    queryKey: tailKey,
    queryFn: async ({ signal }) => {
      const page = await fetchJson<JobLogPage>(logsUrl(publicId, step.key, stream, { after: lastAfter ?? "" }), signal);
      if (page.events.length > 0) {
        queryClient.setQueryData<InfiniteData<JobLogPage, PageParam>>(key, (data) =>
          data
            ? {
                pages: [...data.pages, { ...page, before: null }],
                pageParams: [...data.pageParams, { after: lastAfter ?? undefined }],
              }
            : data,
        );
        return 0;
      }
      if (!live) setDraining(false);
      // Reads in a row that found nothing: the back-off's exponent.
      return (queryClient.getQueryData<number>(tailKey) ?? -1) + 1;
    },
    enabled: (live || draining) && lastAfter !== null && logs.isSuccess,
    refetchInterval: (query) => Math.min(TAIL_MAX_MS, TAIL_FIRST_MS * 2 ** (query.state.data ?? 0)),
    refetchOnWindowFocus: false,
    gcTime: 0,
    retry: false,
  });

  const lines = useMemo(() => {
    const out: Line[] = [];
    const seen = new Map<number, number>();
    for (const page of pages) {
      for (const e of page.events) {
        const n = seen.get(e.timestamp) ?? 0;
        seen.set(e.timestamp, n + 1);
        out.push({ ...e, id: `${e.timestamp}-${n}`, n });
      }
    }
    return out;
  }, [pages]);

  const selectedId =
    position && shownStream && position.stream === shownStream ? `${position.timestamp}-${position.n}` : null;
  const selectedLoaded = selectedId !== null && lines.some((l) => l.id === selectedId);

  // A shared position older than the loaded lines: load earlier pages until it is there (bounded).
  const autoEarlier = useRef(0);
  const oldest = lines[0]?.timestamp;
  const { hasPreviousPage, isFetchingPreviousPage, fetchPreviousPage } = logs;
  useEffect(() => {
    if (!position || !selectedId || selectedLoaded || oldest === undefined) return;
    if (oldest < position.timestamp || !hasPreviousPage || isFetchingPreviousPage) return;
    if (autoEarlier.current >= MAX_AUTO_EARLIER) return;
    autoEarlier.current += 1;
    void fetchPreviousPage();
  }, [position, selectedId, selectedLoaded, oldest, hasPreviousPage, isFetchingPreviousPage, fetchPreviousPage]);

  // Scroll: to the shared line once it is loaded, else to the newest line (and stay there while tailing).
  const view = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const scrolledTo = useRef<string | null>(null);
  useEffect(() => {
    const el = view.current;
    if (!el || lines.length === 0) return;
    if (selectedId && selectedLoaded && scrolledTo.current !== selectedId) {
      scrolledTo.current = selectedId;
      const target = el.querySelector<HTMLElement>(`[data-line-id="${selectedId}"]`);
      if (target) {
        el.scrollTop = target.offsetTop - el.clientHeight / 2;
        return;
      }
    }
    if (atBottom.current && !selectedId) el.scrollTop = el.scrollHeight;
  }, [lines, selectedId, selectedLoaded]);

  const needle = search.trim().toLowerCase();
  const visible = needle ? lines.filter((l) => l.message.toLowerCase().includes(needle)) : lines;
  const [focusIndex, setFocusIndex] = useState<number | null>(null);
  const rovingIndex =
    focusIndex ??
    Math.max(
      0,
      visible.findIndex((l) => l.id === selectedId),
    );

  /** The page's own URL with this line as its log position (other parameters kept). */
  const hrefFor = (line: Line, current: string) => {
    const params = new URLSearchParams(current);
    params.set("log", formatLogPosition({ stream: shownStream ?? "", timestamp: line.timestamp, n: line.n }));
    return `?${params}`;
  };
  const select = (line: Line) => {
    if (!shownStream) return;
    scrolledTo.current = line.id;
    window.history.replaceState(null, "", `${window.location.pathname}${hrefFor(line, window.location.search)}`);
  };
  const onLinesKey = (event: React.KeyboardEvent<HTMLOListElement>) => {
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 20, PageUp: -20 };
    let next: number | null = null;
    if (event.key in moves) next = rovingIndex + (moves[event.key] ?? 0);
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = visible.length - 1;
    if (next === null || visible.length === 0) return;
    event.preventDefault();
    const index = Math.max(0, Math.min(visible.length - 1, next));
    setFocusIndex(index);
    event.currentTarget.querySelectorAll<HTMLElement>("[data-line-link]")[index]?.focus();
  };

  const searchId = useId();
  const streamId = useId();
  const error = logs.error;
  const denied = error instanceof FetchError && error.status === 403 ? error.message : null;

  return (
    <section className={styles.logs} aria-labelledby={`${searchId}-title`} data-testid="job-logs">
      <div className={styles.bar}>
        <h4 id={`${searchId}-title`} className={styles.title}>
          Logs
          {live && !denied ? (
            <span className={styles.liveTag} data-testid="job-logs-live">
              live
            </span>
          ) : null}
        </h4>
        {first && first.streams.length > 1 ? (
          <label className={ui.toolSelect} htmlFor={streamId}>
            Stream
            <select
              id={streamId}
              value={shownStream ?? ""}
              onChange={(e) => setStream(e.target.value)}
              data-testid="job-logs-stream"
            >
              {first.streams.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name.slice(prefix.length)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className={styles.search} htmlFor={searchId}>
          <span className="visually-hidden">Search the loaded lines</span>
          <input
            id={searchId}
            className={ui.tool}
            type="search"
            placeholder="Search loaded lines"
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              setFocusIndex(null);
            }}
            data-testid="job-logs-search"
          />
        </label>
      </div>
      {denied ? (
        <p className={ui.notice} data-testid="job-logs-denied">
          <span aria-hidden="true">⚠ </span>
          {denied}
        </p>
      ) : error ? (
        <p className={styles.error}>Could not read the logs: {error.message}</p>
      ) : logs.isPending ? (
        <p className="muted">Loading the last lines…</p>
      ) : first?.reason ? (
        <p className="muted" data-testid="job-logs-empty">
          {first.note}
        </p>
      ) : (
        <>
          <div className={styles.meta}>
            <span className="muted">
              {shownStream ? <code className={styles.stream}>{shownStream}</code> : null}
              {needle
                ? ` · ${visible.length} of ${lines.length} loaded lines match`
                : ` · ${lines.length} line${lines.length === 1 ? "" : "s"}`}
            </span>
            {hasPreviousPage ? (
              <button
                type="button"
                className={ui.tool}
                onClick={() => void fetchPreviousPage()}
                disabled={isFetchingPreviousPage}
                data-testid="job-logs-earlier"
              >
                {isFetchingPreviousPage ? "Loading…" : "Load earlier"}
              </button>
            ) : (
              <span className="muted">start of the log</span>
            )}
          </div>
          <div
            ref={view}
            className={styles.view}
            data-testid="job-logs-view"
            onScroll={(e) => {
              const el = e.currentTarget;
              atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
            }}
          >
            {visible.length === 0 ? (
              <p className="muted">{needle ? "No loaded line matches." : "No lines."}</p>
            ) : (
              <ol
                className={styles.lines}
                onKeyDown={onLinesKey}
                aria-label={`Log lines of ${shownStream ?? "the job"}`}
              >
                {visible.map((line, index) => {
                  const selected = line.id === selectedId;
                  return (
                    <li
                      key={line.id}
                      className={styles.line}
                      data-line-id={line.id}
                      data-testid="job-log-line"
                      data-selected={selected || undefined}
                      aria-current={selected ? "true" : undefined}
                    >
                      <a
                        href={hrefFor(line, searchParams.toString())}
                        className={styles.time}
                        data-line-link=""
                        tabIndex={index === rovingIndex ? 0 : -1}
                        onFocus={() => setFocusIndex(index)}
                        onClick={(e) => {
                          e.preventDefault();
                          select(line);
                        }}
                        title="Link to this line (the address bar keeps it)"
                      >
                        {clock(line.timestamp)}
                      </a>
                      <span className={styles.message}>
                        <Highlighted text={line.message} needle={needle} />
                      </span>
                    </li>
                  );
                })}
              </ol>
            )}
          </div>
        </>
      )}
    </section>
  );
}

/** The text with every case-insensitive occurrence of `needle` in a <mark>; React escapes all of it. */
function Highlighted({ text, needle }: { text: string; needle: string }) {
  if (!needle) return <>{text}</>;
  const lower = text.toLowerCase();
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
    parts.push(<Fragment key={`t${at}`}>{text.slice(at, i)}</Fragment>);
    parts.push(<mark key={`m${i}`}>{text.slice(i, i + needle.length)}</mark>);
    at = i + needle.length;
  }
  parts.push(<Fragment key={`t${at}`}>{text.slice(at)}</Fragment>);
  return <>{parts}</>;
}
