/**
 * Every attempt of a retried state, from histories shaped as the Step Functions API reference and developer
 * guide show them (GetExecutionHistory: a Task retried by its Retry field logs TaskFailed, then — after the
 * backoff — a new TaskScheduled / TaskStarted in the same state, all pointing at the previous event of the
 * thread; a Map retried logs a new MapStateStarted).
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { deriveSteps } from "../derive-steps";

const T0 = Date.parse("2025-06-02T03:00:00.000Z");
/** An event `seconds` after T0; retries leave backoff gaps, so times are given per event, not per id. */
function history(rows: [type: string, seconds: number, details?: Record<string, unknown>][]): HistoryEvent[] {
  return rows.map(([type, seconds, details], index) => ({
    id: index + 1,
    previousEventId: index,
    type,
    timestamp: new Date(T0 + seconds * 1000),
    ...details,
  })) as HistoryEvent[];
}
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const lambda = { resourceType: "lambda", resource: "invoke" };
const scheduled = {
  taskScheduledEventDetails: { ...lambda, region: "eu-west-1", parameters: '{"FunctionName":"evaluate"}' },
};
const failed = (error: string, cause: string) => ({ taskFailedEventDetails: { ...lambda, error, cause } });

describe("attempts of a retried state", () => {
  it("records each attempt of a Task retried three times: times with the backoff gaps, errors and causes", () => {
    // Retry: Lambda.ServiceException, IntervalSeconds 2, BackoffRate 2 → gaps of 2 s, 4 s, 8 s.
    const events = history([
      ["ExecutionStarted", 0, { executionStartedEventDetails: { input: "{}", roleArn: "arn:aws:iam::1:role/r" } }],
      ["TaskStateEntered", 1, { stateEnteredEventDetails: { name: "Evaluate", input: "{}" } }],
      ["TaskScheduled", 1, scheduled],
      ["TaskStarted", 1, { taskStartedEventDetails: lambda }],
      ["TaskFailed", 3, failed("Lambda.ServiceException", "upstream 503 (1)")],
      ["TaskScheduled", 5, scheduled],
      ["TaskStarted", 5, { taskStartedEventDetails: lambda }],
      ["TaskFailed", 6, failed("Lambda.ServiceException", "upstream 503 (2)")],
      ["TaskScheduled", 10, scheduled],
      ["TaskStarted", 10, { taskStartedEventDetails: lambda }],
      ["TaskFailed", 12, failed("Lambda.ServiceException", "upstream 503 (3)")],
      ["TaskScheduled", 20, scheduled],
      ["TaskStarted", 20, { taskStartedEventDetails: lambda }],
      ["TaskSucceeded", 23, { taskSucceededEventDetails: { ...lambda, output: '{"ok":true}' } }],
      ["TaskStateExited", 23, { stateExitedEventDetails: { name: "Evaluate", output: '{"ok":true}' } }],
      ["ExecutionSucceeded", 23, { executionSucceededEventDetails: { output: "{}" } }],
    ]);
    const [step] = deriveSteps(events).steps;
    expect(step).toMatchObject({ key: "Evaluate", status: "SUCCEEDED", attempts: 4 });
    expect(step?.attemptLog).toEqual([
      {
        startedAt: iso(1),
        endedAt: iso(3),
        status: "FAILED",
        error: "Lambda.ServiceException",
        cause: "upstream 503 (1)",
      },
      {
        startedAt: iso(5),
        endedAt: iso(6),
        status: "FAILED",
        error: "Lambda.ServiceException",
        cause: "upstream 503 (2)",
      },
      {
        startedAt: iso(10),
        endedAt: iso(12),
        status: "FAILED",
        error: "Lambda.ServiceException",
        cause: "upstream 503 (3)",
      },
      { startedAt: iso(20), endedAt: iso(23), status: "SUCCEEDED", error: null, cause: null },
    ]);
  });

  it("leaves a step that ran once without an attempt log, and keeps a waiting retry's last attempt failed", () => {
    const once = history([
      ["ExecutionStarted", 0],
      ["TaskStateEntered", 1, { stateEnteredEventDetails: { name: "Train", input: "{}" } }],
      ["TaskScheduled", 1, scheduled],
      ["TaskFailed", 4, failed("States.Timeout", "slow")],
    ]);
    expect(deriveSteps(once).steps[0]?.attemptLog).toBeNull();

    const waiting = history([
      ["ExecutionStarted", 0],
      ["TaskStateEntered", 1, { stateEnteredEventDetails: { name: "Train", input: "{}" } }],
      ["TaskScheduled", 1, scheduled],
      ["TaskTimedOut", 4, { taskTimedOutEventDetails: { ...lambda, error: "States.Timeout", cause: "slow" } }],
      ["TaskScheduled", 9, scheduled],
    ]);
    const [step] = deriveSteps(waiting).steps;
    expect(step?.status).toBe("RUNNING");
    expect(step?.attemptLog?.map((a) => [a.status, a.endedAt])).toEqual([
      ["TIMED_OUT", iso(4)],
      ["RUNNING", null],
    ]);
  });

  it("ends with the caught failure when retries ran out and a Catch routed onward", () => {
    const events = history([
      ["ExecutionStarted", 0],
      ["TaskStateEntered", 1, { stateEnteredEventDetails: { name: "Train", input: "{}" } }],
      ["TaskScheduled", 1, scheduled],
      ["TaskFailed", 2, failed("States.TaskFailed", "OOM")],
      ["TaskScheduled", 62, scheduled],
      ["TaskFailed", 63, failed("States.TaskFailed", "OOM again")],
      ["TaskStateExited", 63, { stateExitedEventDetails: { name: "Train", output: "{}" } }],
      ["PassStateEntered", 63, { stateEnteredEventDetails: { name: "Notify", input: "{}" } }],
    ]);
    const [train] = deriveSteps(events).steps;
    expect(train).toMatchObject({ status: "CAUGHT", attempts: 2, error: "States.TaskFailed", cause: "OOM again" });
    expect(train?.attemptLog?.map((a) => [a.startedAt, a.endedAt, a.status, a.cause])).toEqual([
      [iso(1), iso(2), "FAILED", "OOM"],
      [iso(62), iso(63), "FAILED", "OOM again"],
    ]);
  });

  it("counts a failed schedule as an attempt from the state's entry, the schedule after it as the next", () => {
    const events = history([
      ["ExecutionStarted", 0],
      ["TaskStateEntered", 1, { stateEnteredEventDetails: { name: "Invoke", input: "{}" } }],
      [
        "LambdaFunctionScheduleFailed",
        1,
        { lambdaFunctionScheduleFailedEventDetails: { error: "Lambda.TooManyRequestsException", cause: "rate" } },
      ],
      [
        "LambdaFunctionScheduled",
        3,
        { lambdaFunctionScheduledEventDetails: { resource: "arn:aws:lambda:eu-west-1:1:function:f", input: "{}" } },
      ],
      ["LambdaFunctionStarted", 3],
      ["LambdaFunctionSucceeded", 4, { lambdaFunctionSucceededEventDetails: { output: "{}" } }],
      ["TaskStateExited", 4, { stateExitedEventDetails: { name: "Invoke", output: "{}" } }],
    ]);
    const [step] = deriveSteps(events).steps;
    expect(step?.attemptLog?.map((a) => [a.startedAt, a.endedAt, a.status, a.error])).toEqual([
      [iso(1), iso(1), "FAILED", "Lambda.TooManyRequestsException"],
      [iso(3), iso(4), "SUCCEEDED", null],
    ]);
  });

  it("records a distributed Map's retry: MapRunFailed and MapStateFailed end one attempt, MapStateStarted opens the next", () => {
    const run = (n: number) => `arn:aws:states:eu-west-1:1:mapRun:sm/Score:run-${n}`;
    const events = history([
      ["ExecutionStarted", 0],
      ["MapStateEntered", 1, { stateEnteredEventDetails: { name: "Score", input: "{}" } }],
      ["MapStateStarted", 1, { mapStateStartedEventDetails: { length: 0 } }],
      ["MapRunStarted", 1, { mapRunStartedEventDetails: { mapRunArn: run(1) } }],
      [
        "MapRunFailed",
        30,
        { mapRunFailedEventDetails: { error: "States.ExceedToleratedFailureThreshold", cause: "3 of 8" } },
      ],
      ["MapStateFailed", 30],
      ["MapStateStarted", 40, { mapStateStartedEventDetails: { length: 0 } }],
      ["MapRunStarted", 40, { mapRunStartedEventDetails: { mapRunArn: run(2) } }],
      ["MapRunSucceeded", 70],
      ["MapStateSucceeded", 70],
      ["MapStateExited", 70, { stateExitedEventDetails: { name: "Score", output: "[]" } }],
    ]);
    const [map] = deriveSteps(events).steps;
    expect(map).toMatchObject({ status: "SUCCEEDED", attempts: 2, resource: run(2) });
    expect(map?.attemptLog?.map((a) => [a.startedAt, a.endedAt, a.status, a.error])).toEqual([
      [iso(1), iso(30), "FAILED", "States.ExceedToleratedFailureThreshold"],
      [iso(40), iso(70), "SUCCEEDED", null],
    ]);
  });

  it("cuts an attempt's cause to 1,000 characters", () => {
    const events = history([
      ["ExecutionStarted", 0],
      ["TaskStateEntered", 1, { stateEnteredEventDetails: { name: "Train", input: "{}" } }],
      ["TaskScheduled", 1, scheduled],
      ["TaskFailed", 2, failed("E", "x".repeat(5000))],
      ["TaskScheduled", 3, scheduled],
    ]);
    expect(deriveSteps(events).steps[0]?.attemptLog?.[0]?.cause).toHaveLength(1000);
  });
});
