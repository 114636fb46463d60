"use client";
/**
 * The Gantt view of a run: one row per step execution (Map iterations and Parallel branches grouped under
 * their state), bars on an elapsed-time axis, running bars growing with the clock. Rows are virtualised
 * (@tanstack/react-virtual) so 2,000+ steps scroll smoothly; one element scrolls both ways, with the
 * labels sticky on the left and the axis sticky on top. Zoom and the visible window live in the URL.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { AxisTop } from "@visx/axis";
import { scaleLinear } from "@visx/scale";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { PanelBar, ZoomControls } from "@/components/ui/panel-bar";
import ui from "@/components/ui/ui.module.css";
import { useCtrlWheel } from "@/components/ui/use-ctrl-wheel";
import { useToggleSet } from "@/components/ui/use-toggle-set";
import { formatDuration, formatOffset } from "@/lib/format";
import type { StepAttemptSummary, StepSummary } from "@/lib/runs/schema";
import { stepLook } from "@/lib/status";
import styles from "./timeline.module.css";
import { buildTimelineRows, type TimelineRow, type TimelineSort, timelineDomain } from "./timeline-rows";

const ROW_HEIGHT = 26;
const AXIS_HEIGHT = 26;
const MAX_HEIGHT = 460;
const LABEL_WIDTH = 280;
/** Room left of time 0 for the first axis label, and right of the end for the last duration. */
const TRACK_PAD = 12;
const ZOOMS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400];

export type TimelineProps = {
  run: { startedAt: string; stoppedAt: string | null; status: string };
  steps: readonly StepSummary[];
  /** Steps of the run; more than `steps.length` while the rest of the list is loading. */
  total?: number;
  now: number;
  selectedKey: string | null;
  onSelect: (key: string) => void;
  zoom: number;
  windowStart: number;
  failedOnly: boolean;
  sort: TimelineSort;
  onViewChange: (patch: { zoom?: number; window?: number; filter?: "failed" | undefined; sort?: TimelineSort }) => void;
  /**
   * The baseline run's steps (the last good run, lib/changes) drawn as ghost bars on this run's time axis,
   * with the toolbar toggle that shows them; absent when the run has no baseline.
   */
  baseline?: {
    name: string;
    steps: readonly { key: string; offsetMs: number; durationMs: number | null }[];
    shown: boolean;
    onToggle: () => void;
  } | null;
};

export function Timeline(props: TimelineProps) {
  const { run, steps, now, selectedKey, onSelect, zoom, windowStart, failedOnly, sort, onViewChange, baseline } = props;
  const stepTotal = Math.max(props.total ?? steps.length, steps.length);
  const scroller = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(900);
  const [collapsed, toggle] = useToggleSet();

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(entry.contentRect.width));
    observer.observe(element);
    setWidth(element.clientWidth);
    return () => observer.disconnect();
  }, []);

  // `now` only matters for the duration sort of running steps; re-sorting every second would make rows jump,
  // so the sort sees a clock that moves every 10 s.
  const sortClock = sort === "duration" ? Math.floor(now / 10_000) * 10_000 : 0;
  const rows = useMemo(
    () => buildTimelineRows(steps, { sort, failedOnly, collapsed, now: sortClock || Date.now() }),
    [steps, sort, failedOnly, collapsed, sortClock],
  );
  const ghosts = useMemo(
    () => (baseline?.shown ? new Map(baseline.steps.map((g) => [g.key, g])) : null),
    [baseline?.shown, baseline?.steps],
  );
  const [start, runEnd] = timelineDomain(run, steps, now);
  // The axis also holds the baseline's steps, so a run that got faster still shows how long they took.
  let end = runEnd;
  if (ghosts) for (const g of ghosts.values()) end = Math.max(end, start + g.offsetMs + (g.durationMs ?? 0));
  const trackWidth = Math.max(200, (width - LABEL_WIDTH - 2 * TRACK_PAD - 60) * zoom);
  const pxPerMs = trackWidth / (end - start);
  const x = useCallback((iso: string) => TRACK_PAD + (Date.parse(iso) - start) * pxPerMs, [start, pxPerMs]);
  const xNow = TRACK_PAD + (now - start) * pxPerMs;
  const ghostX = useCallback((ms: number) => TRACK_PAD + ms * pxPerMs, [pxPerMs]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 16,
    getItemKey: (index) => rows[index]?.id ?? index,
    paddingStart: AXIS_HEIGHT,
  });

  // Restore the window from the URL once, then keep the URL following the user's horizontal scroll.
  const restored = useRef(false);
  useEffect(() => {
    const element = scroller.current;
    if (!element || restored.current || width <= 0) return;
    restored.current = true;
    element.scrollLeft = windowStart * 1000 * pxPerMs;
  }, [windowStart, pxPerMs, width]);
  const scrollTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onScroll = () => {
    if (scrollTimer.current) clearTimeout(scrollTimer.current);
    scrollTimer.current = setTimeout(() => {
      const element = scroller.current;
      if (!element || zoom <= 1) return;
      const seconds = Math.round(element.scrollLeft / pxPerMs / 100) / 10;
      if (Math.abs(seconds - windowStart) >= 0.1) onViewChange({ window: seconds });
    }, 250);
  };

  /** Zooms around the middle of what is visible, so the step being looked at stays in view. */
  const setZoom = (next: number) => {
    const element = scroller.current;
    const clamped = Math.min(512, Math.max(1, next));
    if (!element) return onViewChange({ zoom: clamped });
    const visible = element.clientWidth - LABEL_WIDTH;
    const centerMs = (element.scrollLeft + visible / 2) / pxPerMs;
    const nextPxPerMs = Math.max(200, (width - LABEL_WIDTH - 2 * TRACK_PAD - 60) * clamped) / (end - start);
    const left = Math.max(0, centerMs * nextPxPerMs - visible / 2);
    onViewChange({ zoom: clamped, window: clamped === 1 ? 0 : Math.round(left / nextPxPerMs / 100) / 10 });
    requestAnimationFrame(() => {
      if (scroller.current) scroller.current.scrollLeft = left;
    });
  };
  const zoomIndex = ZOOMS.findIndex((z) => z >= zoom);

  useCtrlWheel(scroller, (event) => setZoom(event.deltaY < 0 ? zoom * 2 : zoom / 2));

  const totalSeconds = (end - start) / 1000;
  const tickStep = TICK_STEPS.find((s) => trackWidth / (totalSeconds / s) >= 90) ?? 86_400;
  const ticks: number[] = [];
  for (let t = 0; t <= totalSeconds; t += tickStep) ticks.push(t);
  const axisScale = scaleLinear<number>({ domain: [0, totalSeconds], range: [TRACK_PAD, TRACK_PAD + trackWidth] });
  const problems = steps.filter((s) => s.status === "FAILED" || s.status === "TIMED_OUT").length;
  const total = virtualizer.getTotalSize();

  return (
    <section className={styles.timeline} aria-labelledby="timeline-title">
      <PanelBar
        titleId="timeline-title"
        title="Timeline"
        summary={
          <>
            {stepTotal.toLocaleString("en")} step{stepTotal === 1 ? "" : "s"}
            {problems ? ` · ${problems} failed` : ""}
            {stepTotal > steps.length ? (
              <span role="status" data-testid="timeline-loading">
                {` · loading ${(stepTotal - steps.length).toLocaleString("en")} more…`}
              </span>
            ) : null}
          </>
        }
      >
        {baseline ? (
          <button
            type="button"
            className={ui.tool}
            aria-pressed={baseline.shown}
            onClick={baseline.onToggle}
            title={`Overlay the step durations of ${baseline.name}, the last good run`}
            data-testid="timeline-baseline-toggle"
          >
            <span className={styles.ghostSwatch} aria-hidden="true" /> Last good run
          </button>
        ) : null}
        <button
          type="button"
          className={`${ui.tool} ${styles.failedOnly}`}
          aria-pressed={failedOnly}
          onClick={() => onViewChange({ filter: failedOnly ? undefined : "failed" })}
        >
          <span aria-hidden="true">✗</span> Failed only
        </button>
        <label className={ui.toolSelect}>
          Sort
          <select
            value={sort}
            onChange={(e) => onViewChange({ sort: e.target.value === "duration" ? "duration" : "start" })}
          >
            <option value="start">by start</option>
            <option value="duration">by duration</option>
          </select>
        </label>
        <ZoomControls
          what="timeline"
          level={`${zoom}×`}
          onOut={() => setZoom(ZOOMS[Math.max(0, zoomIndex - 1)] ?? 1)}
          onIn={() => setZoom(ZOOMS[Math.min(ZOOMS.length - 1, zoomIndex + 1)] ?? zoom * 2)}
          onFit={() => setZoom(1)}
          canOut={zoom > 1}
          canIn={zoom < 512}
          canFit={zoom !== 1}
        />
      </PanelBar>
      <section
        ref={scroller}
        className={styles.scroller}
        style={{ height: Math.min(MAX_HEIGHT, Math.max(120, AXIS_HEIGHT + rows.length * ROW_HEIGHT + 18)) }}
        onScroll={onScroll}
        data-testid="timeline"
        aria-label="Steps over time"
        // Keyboard users scroll the timeline with the arrow keys.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable (WCAG 2.1.1)
        tabIndex={0}
      >
        <div className={styles.canvas} style={{ width: LABEL_WIDTH + trackWidth + 2 * TRACK_PAD + 60, height: total }}>
          <div className={styles.axisRow} style={{ width: LABEL_WIDTH + trackWidth + 2 * TRACK_PAD + 60 }}>
            <div className={styles.axisCorner}>{failedOnly ? "Failed steps" : "Step"}</div>
            <svg
              width={trackWidth + 2 * TRACK_PAD + 60}
              height={AXIS_HEIGHT}
              className={styles.axis}
              aria-hidden="true"
            >
              <AxisTop
                scale={axisScale}
                top={AXIS_HEIGHT - 1}
                tickValues={ticks}
                tickFormat={(v) => formatOffset(Number(v))}
                stroke="var(--border)"
                tickStroke="var(--border)"
                tickLength={4}
                tickLabelProps={{ fill: "var(--text-muted)", fontSize: 11, textAnchor: "middle", dy: "-0.1em" }}
              />
            </svg>
          </div>
          <svg
            className={styles.grid}
            style={{ left: LABEL_WIDTH, top: AXIS_HEIGHT }}
            width={trackWidth + 2 * TRACK_PAD + 60}
            height={Math.max(0, total - AXIS_HEIGHT)}
            aria-hidden="true"
          >
            {ticks.map((t) => (
              <line key={t} x1={axisScale(t)} x2={axisScale(t)} y1={0} y2="100%" />
            ))}
            {run.status === "RUNNING" ? <line className={styles.nowLine} x1={xNow} x2={xNow} y1={0} y2="100%" /> : null}
          </svg>
          {rows.length === 0 ? (
            <p className={styles.empty} style={{ top: AXIS_HEIGHT + 8 }}>
              {failedOnly ? "No failed steps in this run." : "No steps have started yet."}
            </p>
          ) : null}
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <TimelineRowView
                key={item.key}
                row={row}
                trackRight={TRACK_PAD + trackWidth + 60}
                top={item.start}
                x={x}
                now={now}
                selected={row.kind === "step" && row.step.key === selectedKey}
                ghost={row.kind === "step" ? (ghosts?.get(row.step.key) ?? null) : null}
                ghostX={ghostX}
                onSelect={onSelect}
                onToggle={toggle}
              />
            );
          })}
        </div>
      </section>
      <p className={`${styles.hint} muted`}>
        Ctrl + wheel zooms · drag the scrollbar or use the arrow keys to move · <kbd>j</kbd> / <kbd>k</kbd> next /
        previous step, <kbd>Enter</kbd> opens, <kbd>Esc</kbd> closes
      </p>
    </section>
  );
}

type RowProps = {
  row: TimelineRow;
  trackRight: number;
  top: number;
  x: (iso: string) => number;
  now: number;
  selected: boolean;
  onSelect: (key: string) => void;
  onToggle: (id: string) => void;
  ghost?: { offsetMs: number; durationMs: number | null } | null;
  ghostX?: (ms: number) => number;
};

/** Memoised: on a live update only the rows whose step changed (or that are still running) re-render. */
const TimelineRowView = memo(function TimelineRowView({
  row,
  trackRight,
  top,
  x,
  now,
  selected,
  onSelect,
  onToggle,
  ghost,
  ghostX,
}: RowProps) {
  const status = row.kind === "step" ? row.step.status : row.status;
  const look = stepLook(status);
  const startIso = row.kind === "step" ? row.step.enteredAt : row.start;
  const endIso = row.kind === "step" ? row.step.exitedAt : row.end;
  const left = x(startIso);
  const right = endIso ? x(endIso) : x(new Date(now).toISOString());
  const barWidth = Math.max(2, right - left);
  const ms = (endIso ? Date.parse(endIso) : now) - Date.parse(startIso);
  const duration = formatDuration(ms);
  // A bar reaching the right edge has no room after it: its duration goes inside its end when the bar is
  // wide enough, else just before the bar.
  const noRoomAfter = left + barWidth + 70 > trackRight;
  const inside = noRoomAfter && barWidth >= 90;
  const before = noRoomAfter && !inside;
  const attempts = row.kind === "step" && row.step.attempts > 1 ? row.step.attempts : 0;
  const attemptLog =
    row.kind === "step" && row.step.attemptLog && row.step.attemptLog.length > 1 ? row.step.attemptLog : null;
  const phases = row.kind === "step" && row.step.jobPhases?.length ? row.step.jobPhases : null;
  const failedAttempts = attemptLog
    ? attemptLog.filter((a) => a.status === "FAILED" || a.status === "TIMED_OUT").length
    : 0;
  const ghostLeft = ghost && ghostX ? ghostX(ghost.offsetMs) : 0;
  const ghostWidth = ghost && ghostX ? Math.max(2, ghostX(ghost.offsetMs + (ghost.durationMs ?? 0)) - ghostLeft) : 0;
  const ghostText = ghost ? `, last good run ${formatDuration(ghost.durationMs)}` : "";
  const expandable = row.kind === "group" || row.expandable;
  const name =
    row.kind === "group"
      ? `${row.label} (${row.steps} step${row.steps === 1 ? "" : "s"}${row.problems ? `, ${row.problems} failed` : ""})`
      : row.label;

  return (
    <div
      className={styles.row}
      data-selected={selected || undefined}
      data-kind={row.kind}
      data-status={status}
      data-testid={row.kind === "step" ? `timeline-row-${row.step.key}` : `timeline-group-${row.id}`}
      style={{ transform: `translateY(${top}px)` }}
    >
      <div className={styles.label} style={{ paddingLeft: 6 + row.depth * 14 }}>
        {expandable ? (
          <button
            type="button"
            className={styles.toggle}
            aria-expanded={!row.collapsed}
            aria-label={`${row.collapsed ? "Expand" : "Collapse"} ${name}`}
            onClick={() => onToggle(row.id)}
          >
            <span aria-hidden="true">{row.collapsed ? "▸" : "▾"}</span>
          </button>
        ) : (
          <span className={styles.toggleSpace} />
        )}
        {row.kind === "step" ? (
          <button
            type="button"
            className={styles.rowButton}
            aria-pressed={selected}
            aria-label={`${row.step.key}: ${look.word}, ${duration}${attempts ? `, ${attempts} attempts` : ""}${
              failedAttempts ? ` (${failedAttempts} failed)` : ""
            }${phases ? `, job phases: ${phaseText(phases, now)}` : ""}${ghostText}`}
            onClick={() => onSelect(row.step.key)}
            title={row.step.key}
          >
            <span className={styles.glyph} data-tone={look.tone} aria-hidden="true">
              {look.glyph}
            </span>
            <span className={styles.name}>{row.label}</span>
            {attempts ? (
              <span className={styles.attempts} aria-hidden="true">
                ↻{attempts}
              </span>
            ) : null}
          </button>
        ) : (
          <span className={styles.groupLabel}>
            <span className={styles.glyph} data-tone={look.tone} aria-hidden="true">
              {look.glyph}
            </span>
            <span className={styles.name}>{name}</span>
          </span>
        )}
      </div>
      <div className={styles.track} aria-hidden="true">
        {ghost ? (
          <div
            className={styles.ghost}
            data-testid="timeline-ghost"
            style={{ left: ghostLeft, width: ghostWidth }}
            title={`Last good run: ${formatDuration(ghost.durationMs)}`}
          />
        ) : null}
        {attemptLog ? (
          <AttemptSegments attempts={attemptLog} x={x} now={now} />
        ) : (
          <div
            className={styles.bar}
            data-tone={look.tone}
            data-kind={row.kind}
            data-running={endIso === null || undefined}
            data-phased={phases ? true : undefined}
            style={{ left, width: barWidth }}
          />
        )}
        {phases && !attemptLog ? <JobPhases phases={phases} x={x} now={now} stepEnd={endIso} /> : null}
        <span
          className={styles.duration}
          data-inside={inside || undefined}
          data-before={before || undefined}
          style={
            inside
              ? { left: left + barWidth - 76, width: 72 }
              : before
                ? { left: Math.max(0, left - 78), width: 72 }
                : { left: left + barWidth + 6 }
          }
        >
          {duration}
        </span>
      </div>
    </div>
  );
});

/**
 * A retried step's attempts, each its own segment in its outcome's colour (failed ones carry their error in
 * the tooltip), with the Retry's backoff drawn as a dotted line between them. The glyph on a failed segment
 * says "failed" without colour.
 */
function AttemptSegments({
  attempts,
  x,
  now,
}: {
  attempts: readonly StepAttemptSummary[];
  x: (iso: string) => number;
  now: number;
}) {
  const nowIso = new Date(now).toISOString();
  return (
    <>
      {attempts.map((attempt, index) => {
        const look = stepLook(attempt.status);
        const left = x(attempt.startedAt);
        const width = Math.max(2, x(attempt.endedAt ?? nowIso) - left);
        const previous = attempts[index - 1];
        const gapLeft = previous?.endedAt ? x(previous.endedAt) : null;
        const ms = (attempt.endedAt ? Date.parse(attempt.endedAt) : now) - Date.parse(attempt.startedAt);
        return (
          <span key={attempt.startedAt}>
            {gapLeft !== null && left - gapLeft > 1 ? (
              <span
                className={styles.backoff}
                data-testid="timeline-backoff"
                style={{ left: gapLeft, width: left - gapLeft }}
                title={`Retry backoff ${formatDuration(Date.parse(attempt.startedAt) - Date.parse(previous?.endedAt ?? attempt.startedAt))}`}
              />
            ) : null}
            <span
              className={styles.bar}
              data-testid="timeline-attempt"
              data-tone={look.tone}
              data-status={attempt.status}
              data-running={attempt.endedAt === null || undefined}
              data-segment
              style={{ left, width }}
              title={`Attempt ${index + 1}: ${look.word}, ${formatDuration(ms)}${attempt.error ? ` — ${attempt.error}` : ""}`}
            >
              {look.tone === "fail" && width >= 12 ? <span className={styles.segmentGlyph}>{look.glyph}</span> : null}
            </span>
          </span>
        );
      })}
    </>
  );
}

type Phase = { name: string; startedAt: string; endedAt: string | null };

/** "Starting 2m 5s, Downloading 40s, Training 10m" — the phases in words, for the row's label. */
function phaseText(phases: readonly Phase[], now: number): string {
  return phases
    .map((p) => `${p.name} ${formatDuration((p.endedAt ? Date.parse(p.endedAt) : now) - Date.parse(p.startedAt))}`)
    .join(", ");
}

/** Phases where the job waits (for instances, data, the upload) rather than does its work. */
const WAITING_PHASES = new Set(["Starting", "Pending", "Downloading", "Uploading", "MaxRuntimeExceeded", "Stopping"]);

/**
 * A SageMaker step's job phases inside its bar (training: its secondary statuses), so time lost waiting for
 * capacity or downloading data shows at a glance: waiting phases hatched, the work solid, each phase named
 * in its tooltip and, where it fits, by its initial.
 */
function JobPhases({
  phases,
  x,
  now,
  stepEnd,
}: {
  phases: readonly Phase[];
  x: (iso: string) => number;
  now: number;
  /** A phase still open when its step ended (the job's end not synced yet) ends with the step. */
  stepEnd: string | null;
}) {
  const nowIso = stepEnd ?? new Date(now).toISOString();
  return (
    <>
      {phases.map((phase) => {
        const left = x(phase.startedAt);
        const width = Math.max(1, x(phase.endedAt ?? nowIso) - left);
        const ms = Date.parse(phase.endedAt ?? nowIso) - Date.parse(phase.startedAt);
        const failed = /Failed|Stopped|Interrupted/.test(phase.name);
        return (
          <span
            key={`${phase.name}-${phase.startedAt}`}
            className={styles.phase}
            data-testid="timeline-phase"
            data-phase={phase.name}
            data-waiting={WAITING_PHASES.has(phase.name) || undefined}
            data-tone={failed ? "fail" : undefined}
            style={{ left, width }}
            title={`${phase.name}: ${formatDuration(ms)}`}
          >
            {width >= 14 ? phase.name.slice(0, width >= 70 ? 12 : 1) : null}
          </span>
        );
      })}
    </>
  );
}
