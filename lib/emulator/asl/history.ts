/**
 * Execution history as Step Functions records it: events numbered 1..n, each pointing through
 * `previousEventId` at the event that caused it (within a Parallel branch or Map iteration that is
 * the branch's own previous event, so concurrent branches stay distinguishable), with the detail
 * member named as in the SFN API (`taskScheduledEventDetails`, `stateEnteredEventDetails`, …).
 */
import type { JsonObject } from "../util";

export type HistoryEventType =
  | "ExecutionStarted"
  | "ExecutionSucceeded"
  | "ExecutionFailed"
  | "ExecutionAborted"
  | "ExecutionTimedOut"
  | "ExecutionRedriven"
  | "TaskStateEntered"
  | "TaskStateExited"
  | "TaskScheduled"
  | "TaskStarted"
  | "TaskSubmitted"
  | "TaskSucceeded"
  | "TaskFailed"
  | "ChoiceStateEntered"
  | "ChoiceStateExited"
  | "PassStateEntered"
  | "PassStateExited"
  | "WaitStateEntered"
  | "WaitStateExited"
  | "SucceedStateEntered"
  | "SucceedStateExited"
  | "FailStateEntered"
  | "ParallelStateEntered"
  | "ParallelStateStarted"
  | "ParallelStateSucceeded"
  | "ParallelStateFailed"
  | "ParallelStateExited"
  | "MapStateEntered"
  | "MapStateStarted"
  | "MapStateSucceeded"
  | "MapStateFailed"
  | "MapStateExited"
  | "MapIterationStarted"
  | "MapIterationSucceeded"
  | "MapIterationFailed"
  | "MapRunStarted"
  | "MapRunSucceeded"
  | "MapRunFailed"
  | "MapRunRedriven";

export interface RecordedEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: HistoryEventType;
  detailsKey?: string;
  details?: JsonObject;
}

/** The causal chain a sequence of events belongs to (the execution, a branch, an iteration). */
export interface Thread {
  last: number;
}

const detailsKeyFor: Partial<Record<HistoryEventType, string>> = {
  ExecutionStarted: "executionStartedEventDetails",
  ExecutionSucceeded: "executionSucceededEventDetails",
  ExecutionFailed: "executionFailedEventDetails",
  ExecutionAborted: "executionAbortedEventDetails",
  ExecutionTimedOut: "executionTimedOutEventDetails",
  ExecutionRedriven: "executionRedrivenEventDetails",
  TaskScheduled: "taskScheduledEventDetails",
  TaskStarted: "taskStartedEventDetails",
  TaskSubmitted: "taskSubmittedEventDetails",
  TaskSucceeded: "taskSucceededEventDetails",
  TaskFailed: "taskFailedEventDetails",
  MapStateStarted: "mapStateStartedEventDetails",
  MapIterationStarted: "mapIterationStartedEventDetails",
  MapIterationSucceeded: "mapIterationSucceededEventDetails",
  MapIterationFailed: "mapIterationFailedEventDetails",
  MapRunStarted: "mapRunStartedEventDetails",
  MapRunFailed: "mapRunFailedEventDetails",
  MapRunRedriven: "mapRunRedrivenEventDetails",
};

export class HistoryRecorder {
  readonly events: RecordedEvent[] = [];
  /** Set once a terminal execution event is written; late events of aborted coroutines are dropped. */
  closed = false;

  constructor(private readonly now: () => number) {}

  emit(thread: Thread, type: HistoryEventType, details?: JsonObject): number {
    if (this.closed) return thread.last;
    const id = this.events.length + 1;
    const key = type.endsWith("StateEntered")
      ? "stateEnteredEventDetails"
      : type.endsWith("StateExited")
        ? "stateExitedEventDetails"
        : detailsKeyFor[type];
    const event: RecordedEvent = { id, previousEventId: thread.last, timestamp: this.now(), type };
    if (details && key) {
      event.detailsKey = key;
      event.details = details;
    }
    // Timestamps never go backwards even when a virtual clock and a real one meet at a redrive.
    const prev = this.events[this.events.length - 1];
    if (prev && event.timestamp < prev.timestamp) event.timestamp = prev.timestamp;
    this.events.push(event);
    thread.last = id;
    return id;
  }

  last(): RecordedEvent | undefined {
    return this.events[this.events.length - 1];
  }
}

const dataFields = new Set(["input", "output"]);

/** Wire shape of one event (`includeExecutionData: false` drops inputs/outputs as AWS does). */
export function toWire(e: RecordedEvent, includeData: boolean): JsonObject {
  const out: JsonObject = { timestamp: e.timestamp / 1000, type: e.type, id: e.id, previousEventId: e.previousEventId };
  if (e.detailsKey && e.details) {
    if (includeData) out[e.detailsKey] = e.details;
    else out[e.detailsKey] = Object.fromEntries(Object.entries(e.details).filter(([k]) => !dataFields.has(k)));
  }
  return out;
}
