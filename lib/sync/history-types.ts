import type { HistoryEvent, HistoryEventType } from "@aws-sdk/client-sfn";

/** The `*EventDetails` members of a history event (exactly one is set per event, or none). */
export type HistoryEventDetailsKey = {
  [K in keyof HistoryEvent]-?: K extends `${string}EventDetails` ? K : never;
}[keyof HistoryEvent];

/**
 * Which details member each event type carries (null: the type has none).
 * The `history_event` table stores only the details object, so this table is what turns a stored row back
 * into the SDK's shape. Typed as a full Record so a new SDK event type fails the build instead of being lost.
 */
export const HISTORY_EVENT_DETAILS_KEY: Record<HistoryEventType, HistoryEventDetailsKey | null> = {
  ActivityFailed: "activityFailedEventDetails",
  ActivityScheduleFailed: "activityScheduleFailedEventDetails",
  ActivityScheduled: "activityScheduledEventDetails",
  ActivityStarted: "activityStartedEventDetails",
  ActivitySucceeded: "activitySucceededEventDetails",
  ActivityTimedOut: "activityTimedOutEventDetails",
  ChoiceStateEntered: "stateEnteredEventDetails",
  ChoiceStateExited: "stateExitedEventDetails",
  EvaluationFailed: "evaluationFailedEventDetails",
  ExecutionAborted: "executionAbortedEventDetails",
  ExecutionFailed: "executionFailedEventDetails",
  ExecutionRedriven: "executionRedrivenEventDetails",
  ExecutionStarted: "executionStartedEventDetails",
  ExecutionSucceeded: "executionSucceededEventDetails",
  ExecutionTimedOut: "executionTimedOutEventDetails",
  FailStateEntered: "stateEnteredEventDetails",
  LambdaFunctionFailed: "lambdaFunctionFailedEventDetails",
  LambdaFunctionScheduleFailed: "lambdaFunctionScheduleFailedEventDetails",
  LambdaFunctionScheduled: "lambdaFunctionScheduledEventDetails",
  LambdaFunctionStartFailed: "lambdaFunctionStartFailedEventDetails",
  LambdaFunctionStarted: null,
  LambdaFunctionSucceeded: "lambdaFunctionSucceededEventDetails",
  LambdaFunctionTimedOut: "lambdaFunctionTimedOutEventDetails",
  MapIterationAborted: "mapIterationAbortedEventDetails",
  MapIterationFailed: "mapIterationFailedEventDetails",
  MapIterationStarted: "mapIterationStartedEventDetails",
  MapIterationSucceeded: "mapIterationSucceededEventDetails",
  MapRunAborted: null,
  MapRunFailed: "mapRunFailedEventDetails",
  MapRunRedriven: "mapRunRedrivenEventDetails",
  MapRunStarted: "mapRunStartedEventDetails",
  MapRunSucceeded: null,
  MapStateAborted: null,
  MapStateEntered: "stateEnteredEventDetails",
  MapStateExited: "stateExitedEventDetails",
  MapStateFailed: null,
  MapStateStarted: "mapStateStartedEventDetails",
  MapStateSucceeded: null,
  ParallelStateAborted: null,
  ParallelStateEntered: "stateEnteredEventDetails",
  ParallelStateExited: "stateExitedEventDetails",
  ParallelStateFailed: null,
  ParallelStateStarted: null,
  ParallelStateSucceeded: null,
  PassStateEntered: "stateEnteredEventDetails",
  PassStateExited: "stateExitedEventDetails",
  SucceedStateEntered: "stateEnteredEventDetails",
  SucceedStateExited: "stateExitedEventDetails",
  TaskFailed: "taskFailedEventDetails",
  TaskScheduled: "taskScheduledEventDetails",
  TaskStartFailed: "taskStartFailedEventDetails",
  TaskStarted: "taskStartedEventDetails",
  TaskStateAborted: null,
  TaskStateEntered: "stateEnteredEventDetails",
  TaskStateExited: "stateExitedEventDetails",
  TaskSubmitFailed: "taskSubmitFailedEventDetails",
  TaskSubmitted: "taskSubmittedEventDetails",
  TaskSucceeded: "taskSucceededEventDetails",
  TaskTimedOut: "taskTimedOutEventDetails",
  WaitStateAborted: null,
  WaitStateEntered: "stateEnteredEventDetails",
  WaitStateExited: "stateExitedEventDetails",
};

export function isHistoryEventType(type: unknown): type is HistoryEventType {
  return typeof type === "string" && Object.hasOwn(HISTORY_EVENT_DETAILS_KEY, type);
}

/** A `history_event` row as stored: the details object without the member name it came under. */
export interface StoredHistoryEvent {
  eventId: number;
  previousEventId: number | null;
  type: string;
  timestamp: Date;
  details: unknown;
}

/** Rebuilds the SDK's event shape from a stored row, so steps can be re-derived from the database alone. */
export function historyEventFromStored(row: StoredHistoryEvent): HistoryEvent {
  // An event type newer than this SDK is kept as-is (deriveSteps reports it) rather than dropped here.
  const event: HistoryEvent = {
    id: row.eventId,
    previousEventId: row.previousEventId ?? undefined,
    type: row.type as HistoryEventType,
    timestamp: row.timestamp,
  };
  const key = isHistoryEventType(row.type) ? HISTORY_EVENT_DETAILS_KEY[row.type] : null;
  if (key && row.details && typeof row.details === "object") {
    // The stored object is exactly what AWS sent under this key.
    Object.assign(event, { [key]: row.details });
  }
  return event;
}

/** The details object of an event, whichever member it is under (for storing it). */
export function historyEventDetails(event: HistoryEvent): object | null {
  const key = isHistoryEventType(event.type) ? HISTORY_EVENT_DETAILS_KEY[event.type] : null;
  return (key && event[key]) ?? null;
}
