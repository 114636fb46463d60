import type { HistoryEvent, HistoryEventType } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { type DerivedStep, deriveSteps, type StateType, summariseSteps } from "./derive-steps";
import { historyEventDetails, historyEventFromStored } from "./history-types";

// ───────────────────────────── fixture ─────────────────────────────
// Builds well-formed histories the way AWS numbers them: sequential ids, one second apart, and each event's
// previousEventId pointing at the previous event of its own thread (root, Map iteration or Parallel branch).

type Details = Omit<HistoryEvent, "id" | "type" | "timestamp" | "previousEventId">;
type ExitableType = Exclude<StateType, "Fail">;

const T0 = Date.parse("2025-03-01T08:00:00.000Z");
const at = (id: number) => new Date(T0 + id * 1000);

interface TaskOptions {
  input?: string;
  output?: string;
  resourceType?: string;
  resource?: string;
  parameters?: string;
  /** Failures before the attempt that succeeds: each is TaskFailed followed by a new TaskScheduled. */
  failures?: { error: string; cause: string }[];
  submittedOutput?: string;
}

function newHistory() {
  const events: HistoryEvent[] = [];
  const add = (type: HistoryEventType, previousEventId: number, details: Details = {}): number => {
    const id = events.length + 1;
    events.push({ id, previousEventId, type, timestamp: at(id), ...details });
    return id;
  };

  const thread = (from: number) => {
    let last = from;
    const t = {
      get last() {
        return last;
      },
      ev(type: HistoryEventType, details: Details = {}): number {
        last = add(type, last, details);
        return last;
      },
      enter(stateType: StateType, name: string, input = "{}"): number {
        return t.ev(`${stateType}StateEntered`, { stateEnteredEventDetails: { name, input } });
      },
      exit(stateType: ExitableType, name: string, output = "{}"): number {
        return t.ev(`${stateType}StateExited`, { stateExitedEventDetails: { name, output } });
      },
      pass(name: string, output = "{}"): number {
        t.enter("Pass", name);
        return t.exit("Pass", name, output);
      },
      /** Enters a Task and runs it up to (not including) its outcome. */
      startTask(name: string, options: TaskOptions = {}): number {
        const resourceType = options.resourceType ?? "lambda";
        const resource = options.resource ?? "invoke";
        const schedule = () =>
          t.ev("TaskScheduled", {
            taskScheduledEventDetails: {
              resourceType,
              resource,
              region: "eu-west-1",
              parameters: options.parameters ?? '{"FunctionName":"fn"}',
            },
          });
        t.enter("Task", name, options.input ?? "{}");
        schedule();
        t.ev("TaskStarted", { taskStartedEventDetails: { resourceType, resource } });
        for (const failure of options.failures ?? []) {
          t.ev("TaskFailed", { taskFailedEventDetails: { resourceType, resource, ...failure } });
          schedule();
          t.ev("TaskStarted", { taskStartedEventDetails: { resourceType, resource } });
        }
        if (options.submittedOutput !== undefined) {
          t.ev("TaskSubmitted", {
            taskSubmittedEventDetails: { resourceType, resource, output: options.submittedOutput },
          });
        }
        return last;
      },
      task(name: string, options: TaskOptions = {}): number {
        const resourceType = options.resourceType ?? "lambda";
        const resource = options.resource ?? "invoke";
        t.startTask(name, options);
        t.ev("TaskSucceeded", {
          taskSucceededEventDetails: { resourceType, resource, output: options.output ?? "{}" },
        });
        return t.exit("Task", name, options.output ?? "{}");
      },
      failTask(error: string, cause: string): number {
        return t.ev("TaskFailed", {
          taskFailedEventDetails: { resourceType: "lambda", resource: "invoke", error, cause },
        });
      },
    };
    return t;
  };

  const main = thread(0);
  main.ev("ExecutionStarted", { executionStartedEventDetails: { input: '{"market":"de"}', roleArn: "arn:role" } });
  return { events, add, thread, main };
}

type Thread = ReturnType<ReturnType<typeof newHistory>["thread"]>;

function byKey(steps: readonly DerivedStep[]): Record<string, DerivedStep> {
  const map: Record<string, DerivedStep> = {};
  for (const step of steps) {
    expect(map[step.key], `duplicate key ${step.key}`).toBeUndefined();
    map[step.key] = step;
  }
  return map;
}

function get(steps: Record<string, DerivedStep>, key: string): DerivedStep {
  const step = steps[key];
  if (!step) throw new Error(`no step ${key}; have ${Object.keys(steps).join(", ")}`);
  return step;
}

/** Map "EvaluateMarkets" over three markets, iterations interleaved, iteration 1 failing uncaught. */
function mapWithFailedIteration() {
  const h = newHistory();
  h.main.pass("Prepare");
  h.main.enter("Map", "EvaluateMarkets", '["de","fr","it"]');
  const started = h.main.ev("MapStateStarted", { mapStateStartedEventDetails: { length: 3 } });
  const iterations: Thread[] = [0, 1, 2].map((index) => {
    const it = h.thread(started);
    it.ev("MapIterationStarted", { mapIterationStartedEventDetails: { name: "EvaluateMarkets", index } });
    return it;
  });
  const [it0, it1, it2] = iterations as [Thread, Thread, Thread];
  it0.startTask("Train", { input: '"de"' });
  it1.startTask("Train", { input: '"fr"' });
  it2.startTask("Train", { input: '"it"' });
  it0.ev("TaskSucceeded", { taskSucceededEventDetails: { resourceType: "lambda", resource: "invoke", output: "1" } });
  it0.exit("Task", "Train", "1");
  it0.ev("MapIterationSucceeded", { mapIterationSucceededEventDetails: { name: "EvaluateMarkets", index: 0 } });
  const failed = it1.failTask("ModelError", "loss is NaN");
  it1.ev("MapIterationFailed", { mapIterationFailedEventDetails: { name: "EvaluateMarkets", index: 1 } });
  it2.ev("TaskStateAborted");
  it2.ev("MapIterationAborted", { mapIterationAbortedEventDetails: { name: "EvaluateMarkets", index: 2 } });
  const mapFailed = h.add("MapStateFailed", failed);
  const executionFailed = h.add("ExecutionFailed", mapFailed, {
    executionFailedEventDetails: { error: "ModelError", cause: "loss is NaN" },
  });
  return { events: h.events, failed, mapFailed, executionFailed };
}

// ───────────────────────────── tests ─────────────────────────────

describe("deriveSteps", () => {
  it("derives a linear run (Pass → Task → Choice → Succeed) with times, payloads and resource", () => {
    const h = newHistory();
    h.main.pass("Prepare", '{"ready":true}');
    const taskStarted = h.main.startTask("Score", {
      resourceType: "lambda",
      resource: "invoke",
      input: '{"ready":true}',
    });
    h.main.ev("TaskSucceeded", { taskSucceededEventDetails: { resourceType: "lambda", resource: "invoke" } });
    const taskExited = h.main.exit("Task", "Score", '{"auc":0.91}');
    h.main.enter("Choice", "GoodEnough");
    h.main.exit("Choice", "GoodEnough");
    h.main.enter("Succeed", "Done");
    const doneExited = h.main.exit("Succeed", "Done");
    h.main.ev("ExecutionSucceeded", { executionSucceededEventDetails: { output: "{}" } });

    const { steps, warnings } = deriveSteps(h.events);

    expect(warnings).toEqual([]);
    expect(steps.map((s) => [s.key, s.stateType, s.status])).toEqual([
      ["Prepare", "Pass", "SUCCEEDED"],
      ["Score", "Task", "SUCCEEDED"],
      ["GoodEnough", "Choice", "SUCCEEDED"],
      ["Done", "Succeed", "SUCCEEDED"],
    ]);
    const score = get(byKey(steps), "Score");
    // startTask returns the TaskStarted id; the state was entered two events earlier.
    expect(score).toMatchObject({
      enteredEventId: taskStarted - 2,
      exitedEventId: taskExited,
      enteredAt: at(taskStarted - 2),
      exitedAt: at(taskExited),
      attempts: 1,
      resource: "invoke",
      resourceType: "lambda",
      input: '{"ready":true}',
      output: '{"auc":0.91}',
      parentKey: null,
      depth: 0,
      mapIterationIndex: null,
      parallelBranchIndex: null,
      error: null,
      jobName: null,
    });
    expect(get(byKey(steps), "Done").exitedEventId).toBe(doneExited);
    expect(summariseSteps(steps)).toMatchObject({ SUCCEEDED: 4, RUNNING: 0 });
  });

  it("counts retries as attempts and keeps the last failure of a task that finally succeeded", () => {
    const h = newHistory();
    const exited = h.main.task("Train", {
      failures: [
        { error: "ThrottlingException", cause: "rate exceeded" },
        { error: "ResourceLimitExceeded", cause: "no ml.p3 capacity" },
      ],
    });
    h.main.ev("ExecutionSucceeded");

    const [train] = deriveSteps(h.events).steps;
    expect(train).toMatchObject({
      key: "Train",
      status: "SUCCEEDED",
      attempts: 3,
      exitedEventId: exited,
      error: "ResourceLimitExceeded",
      cause: "no ml.p3 capacity",
    });
  });

  it("shows a task that failed and is waiting for its retry as FAILED, and RUNNING again once retried", () => {
    const h = newHistory();
    h.main.startTask("Train");
    const failed = h.main.failTask("States.Timeout", "slow");
    expect(deriveSteps(h.events).steps[0]).toMatchObject({ status: "FAILED", exitedEventId: failed, attempts: 1 });

    h.main.ev("TaskScheduled", {
      taskScheduledEventDetails: { resourceType: "lambda", resource: "invoke", region: "eu-west-1", parameters: "{}" },
    });
    expect(deriveSteps(h.events).steps[0]).toMatchObject({ status: "RUNNING", exitedAt: null, attempts: 2 });
  });

  it("marks a failure routed onward by Catch as CAUGHT and continues with the next state", () => {
    const h = newHistory();
    h.main.startTask("Train");
    h.main.failTask("States.TaskFailed", "OOM");
    const exited = h.main.exit("Task", "Train", '{"error":"States.TaskFailed"}');
    h.main.pass("NotifyFailure");
    h.main.ev("ExecutionSucceeded");

    const steps = byKey(deriveSteps(h.events).steps);
    expect(get(steps, "Train")).toMatchObject({
      status: "CAUGHT",
      error: "States.TaskFailed",
      cause: "OOM",
      exitedEventId: exited,
      output: '{"error":"States.TaskFailed"}',
    });
    expect(get(steps, "NotifyFailure").status).toBe("SUCCEEDED");
  });

  it("fails the state an uncaught failure came from, with its error and cause", () => {
    const h = newHistory();
    h.main.pass("Prepare");
    h.main.startTask("Train");
    const failed = h.main.failTask("SageMaker.AmazonSageMakerException", "ResourceLimitExceeded");
    h.main.ev("ExecutionFailed", {
      executionFailedEventDetails: { error: "SageMaker.AmazonSageMakerException", cause: "ResourceLimitExceeded" },
    });

    const steps = byKey(deriveSteps(h.events).steps);
    expect(get(steps, "Prepare").status).toBe("SUCCEEDED");
    expect(get(steps, "Train")).toMatchObject({
      status: "FAILED",
      error: "SageMaker.AmazonSageMakerException",
      cause: "ResourceLimitExceeded",
      exitedEventId: failed,
      exitedAt: at(failed),
    });
  });

  it("fails a Fail state and a Choice that matched nothing with the execution's error", () => {
    const failState = newHistory();
    const entered = failState.main.enter("Fail", "QualityGateFailed");
    failState.main.ev("ExecutionFailed", { executionFailedEventDetails: { error: "LowAuc", cause: "auc 0.51" } });
    expect(deriveSteps(failState.events).steps[0]).toMatchObject({
      stateType: "Fail",
      status: "FAILED",
      error: "LowAuc",
      cause: "auc 0.51",
      exitedEventId: entered,
    });

    const choice = newHistory();
    choice.main.enter("Choice", "Route");
    const executionFailed = choice.main.ev("ExecutionFailed", {
      executionFailedEventDetails: { error: "States.NoChoiceMatched", cause: "no rule matched" },
    });
    expect(deriveSteps(choice.events).steps[0]).toMatchObject({
      status: "FAILED",
      error: "States.NoChoiceMatched",
      exitedEventId: executionFailed,
    });
  });

  it("takes a Fail state's Error and Cause from the definition when the failure stays inside a Map", () => {
    const h = newHistory();
    h.main.enter("Map", "PerMarket");
    const started = h.main.ev("MapStateStarted", { mapStateStartedEventDetails: { length: 1 } });
    const it0 = h.thread(started);
    it0.ev("MapIterationStarted", { mapIterationStartedEventDetails: { name: "PerMarket", index: 0 } });
    it0.enter("Fail", "Reject");
    it0.ev("MapIterationFailed", { mapIterationFailedEventDetails: { name: "PerMarket", index: 0 } });
    const definition = {
      StartAt: "PerMarket",
      States: {
        PerMarket: {
          Type: "Map",
          ItemProcessor: { StartAt: "Reject", States: { Reject: { Type: "Fail", Error: "BadData", Cause: "empty" } } },
          End: true,
        },
      },
    };
    const steps = byKey(deriveSteps(h.events, { definition }).steps);
    expect(get(steps, "PerMarket[0]/Reject")).toMatchObject({ status: "FAILED", error: "BadData", cause: "empty" });
    // Without a definition the error is simply unknown, not invented.
    expect(get(byKey(deriveSteps(h.events).steps), "PerMarket[0]/Reject").error).toBeNull();
  });

  it("derives a Map over 3 items with one failed iteration: keys, parents, CANCELLED sibling, FAILED Map", () => {
    const { events, failed, mapFailed, executionFailed } = mapWithFailedIteration();
    const { steps, warnings } = deriveSteps(events);
    expect(warnings).toEqual([]);
    const s = byKey(steps);

    expect(steps.map((x) => x.key)).toEqual([
      "Prepare",
      "EvaluateMarkets",
      "EvaluateMarkets[0]/Train",
      "EvaluateMarkets[1]/Train",
      "EvaluateMarkets[2]/Train",
    ]);
    expect(get(s, "EvaluateMarkets[0]/Train")).toMatchObject({
      status: "SUCCEEDED",
      parentKey: "EvaluateMarkets",
      mapIterationIndex: 0,
      depth: 1,
      input: '"de"',
      output: "1",
    });
    expect(get(s, "EvaluateMarkets[1]/Train")).toMatchObject({
      status: "FAILED",
      mapIterationIndex: 1,
      input: '"fr"',
      error: "ModelError",
      exitedEventId: failed,
    });
    expect(get(s, "EvaluateMarkets[2]/Train")).toMatchObject({ status: "CANCELLED", input: '"it"', error: null });
    expect(get(s, "EvaluateMarkets")).toMatchObject({
      stateType: "Map",
      status: "FAILED",
      error: "ModelError",
      cause: "loss is NaN",
      depth: 0,
      parentKey: null,
    });
    // MapStateFailed is the Map's end; the execution failing afterwards does not move it.
    expect(get(s, "EvaluateMarkets").exitedEventId).toBe(mapFailed);
    expect(mapFailed).toBeLessThan(executionFailed);
  });

  it("follows iterations that run one after another (MaxConcurrency 1), as AWS chains them", () => {
    const h = newHistory();
    h.main.enter("Map", "Markets");
    const started = h.main.ev("MapStateStarted", { mapStateStartedEventDetails: { length: 2 } });
    // AWS points each next MapIterationStarted at the last event of the previous iteration.
    let last = started;
    for (const index of [0, 1]) {
      const iteration = h.thread(last);
      iteration.ev("MapIterationStarted", { mapIterationStartedEventDetails: { name: "Markets", index } });
      last = iteration.pass("Handle", String(index));
      h.add("MapIterationSucceeded", last, { mapIterationSucceededEventDetails: { name: "Markets", index } });
    }
    const succeeded = h.add("MapStateSucceeded", last);
    const exit = h.thread(succeeded);
    exit.exit("Map", "Markets", "[0,1]");
    exit.pass("After");
    exit.ev("ExecutionSucceeded");

    const { steps, warnings } = deriveSteps(h.events);
    expect(warnings).toEqual([]);
    expect(steps.map((x) => [x.key, x.status, x.parentKey, x.output])).toEqual([
      ["Markets", "SUCCEEDED", null, "[0,1]"],
      ["Markets[0]/Handle", "SUCCEEDED", "Markets", "0"],
      ["Markets[1]/Handle", "SUCCEEDED", "Markets", "1"],
      ["After", "SUCCEEDED", null, "{}"],
    ]);
  });

  describe("Parallel with two interleaved branches", () => {
    // Branch 1 ("Score") starts before branch 0 ("Train") and their events interleave.
    function parallelHistory() {
      const h = newHistory();
      h.main.enter("Parallel", "Evaluate");
      const started = h.main.ev("ParallelStateStarted");
      const score = h.thread(started);
      const train = h.thread(started);
      score.enter("Task", "Score");
      train.enter("Task", "Train");
      score.ev("TaskScheduled", {
        taskScheduledEventDetails: { resourceType: "lambda", resource: "invoke", region: "r", parameters: "{}" },
      });
      train.ev("TaskScheduled", {
        taskScheduledEventDetails: {
          resourceType: "sagemaker",
          resource: "createTrainingJob.sync",
          region: "r",
          parameters: '{"TrainingJobName":"train-1"}',
        },
      });
      score.ev("TaskSucceeded", { taskSucceededEventDetails: { resourceType: "lambda", resource: "invoke" } });
      score.exit("Task", "Score", '"scored"');
      score.pass("Publish", '"published"');
      train.ev("TaskSucceeded", { taskSucceededEventDetails: { resourceType: "sagemaker", resource: "x" } });
      const trainExit = train.exit("Task", "Train", '"trained"');
      const ok = h.add("ParallelStateSucceeded", trainExit);
      const after = h.thread(ok);
      after.exit("Parallel", "Evaluate", '["trained","scored"]');
      after.ev("ExecutionSucceeded");
      return h.events;
    }
    const definition = {
      StartAt: "Evaluate",
      States: {
        Evaluate: {
          Type: "Parallel",
          End: true,
          Branches: [
            { StartAt: "Train", States: { Train: { Type: "Task", End: true } } },
            {
              StartAt: "Score",
              States: { Score: { Type: "Task", Next: "Publish" }, Publish: { Type: "Pass", End: true } },
            },
          ],
        },
      },
    };

    it("numbers branches by the definition and attributes each event to its own branch", () => {
      const { steps, warnings } = deriveSteps(parallelHistory(), { definition });
      expect(warnings).toEqual([]);
      const s = byKey(steps);
      expect(get(s, "Evaluate")).toMatchObject({ status: "SUCCEEDED", stateType: "Parallel", depth: 0 });
      expect(get(s, "Evaluate{0}/Train")).toMatchObject({
        parallelBranchIndex: 0,
        parentKey: "Evaluate",
        depth: 1,
        output: '"trained"',
        resourceType: "sagemaker",
        jobName: "train-1",
      });
      expect(get(s, "Evaluate{1}/Score")).toMatchObject({ parallelBranchIndex: 1, output: '"scored"', jobName: null });
      expect(get(s, "Evaluate{1}/Publish")).toMatchObject({ parallelBranchIndex: 1, status: "SUCCEEDED" });
      // Train entered before Score exited, yet each keeps its own exit.
      expect(get(s, "Evaluate{0}/Train").exitedEventId).toBeGreaterThan(get(s, "Evaluate{1}/Publish").enteredEventId);
    });

    it("falls back to order of first appearance without a definition", () => {
      const s = byKey(deriveSteps(parallelHistory()).steps);
      expect(Object.keys(s).sort()).toEqual([
        "Evaluate",
        "Evaluate{0}/Publish",
        "Evaluate{0}/Score",
        "Evaluate{1}/Train",
      ]);
      expect(get(s, "Evaluate{0}/Publish").parentKey).toBe("Evaluate");
    });
  });

  it("CANCELS the other branch when one branch fails, and marks a caught Parallel CAUGHT", () => {
    const h = newHistory();
    h.main.enter("Parallel", "Evaluate");
    const started = h.main.ev("ParallelStateStarted");
    const a = h.thread(started);
    const b = h.thread(started);
    const c = h.thread(started);
    a.startTask("Train");
    b.startTask("Score");
    c.enter("Wait", "Cooldown");
    const failed = a.failTask("ModelError", "diverged");
    b.ev("TaskStateAborted");
    // No *Aborted event for the Wait: the Parallel's failure alone ends it.
    const parallelFailed = h.add("ParallelStateFailed", failed);
    const rest = h.thread(parallelFailed);
    rest.exit("Parallel", "Evaluate", '{"Error":"ModelError"}');
    rest.pass("Cleanup");
    rest.ev("ExecutionSucceeded");

    const s = byKey(deriveSteps(h.events).steps);
    expect(get(s, "Evaluate{0}/Train")).toMatchObject({ status: "FAILED", error: "ModelError" });
    expect(get(s, "Evaluate{1}/Score").status).toBe("CANCELLED");
    expect(get(s, "Evaluate{2}/Cooldown")).toMatchObject({ status: "CANCELLED", exitedEventId: parallelFailed });
    expect(get(s, "Evaluate")).toMatchObject({ status: "CAUGHT", error: "ModelError", cause: "diverged" });
    expect(get(s, "Cleanup").status).toBe("SUCCEEDED");
  });

  it("marks the states running when the execution was aborted ABORTED, including inside branches", () => {
    const h = newHistory();
    h.main.pass("Prepare");
    h.main.enter("Parallel", "Evaluate");
    const started = h.main.ev("ParallelStateStarted");
    const a = h.thread(started);
    const b = h.thread(started);
    a.startTask("Train");
    b.enter("Wait", "Cooldown");
    a.ev("TaskStateAborted");
    b.ev("WaitStateAborted");
    const aborted = h.add("ParallelStateAborted", b.last);
    const executionAborted = h.add("ExecutionAborted", aborted, {
      executionAbortedEventDetails: { error: "UserAbort" },
    });

    const s = byKey(deriveSteps(h.events).steps);
    expect(get(s, "Prepare").status).toBe("SUCCEEDED");
    expect(get(s, "Evaluate{0}/Train")).toMatchObject({ status: "ABORTED", exitedEventId: a.last });
    expect(get(s, "Evaluate{1}/Cooldown").status).toBe("ABORTED");
    expect(get(s, "Evaluate")).toMatchObject({ status: "ABORTED", exitedEventId: aborted });
    expect(executionAborted).toBeGreaterThan(aborted);

    // Without any *Aborted event for the state (AWS sends none for a running Pass), the execution's abort ends it.
    const plain = newHistory();
    plain.main.startTask("Train");
    const end = plain.main.ev("ExecutionAborted");
    expect(deriveSteps(plain.events).steps[0]).toMatchObject({ status: "ABORTED", exitedEventId: end });
  });

  it("marks a step running when the execution timed out TIMED_OUT", () => {
    const h = newHistory();
    h.main.startTask("Train");
    h.main.ev("ExecutionTimedOut", { executionTimedOutEventDetails: { error: "States.Timeout" } });
    expect(deriveSteps(h.events).steps[0]?.status).toBe("TIMED_OUT");
  });

  it("keeps the failed state FAILED across a redrive and gives the re-entered state key #2", () => {
    const h = newHistory();
    h.main.pass("Prepare");
    h.main.startTask("Train");
    h.main.failTask("ResourceLimitExceeded", "no capacity");
    h.main.ev("ExecutionFailed", { executionFailedEventDetails: { error: "ResourceLimitExceeded" } });
    h.main.ev("ExecutionRedriven", { executionRedrivenEventDetails: { redriveCount: 1 } });
    h.main.task("Train");
    h.main.pass("Register");
    h.main.ev("ExecutionSucceeded");

    const { steps, warnings } = deriveSteps(h.events);
    expect(warnings).toEqual([]);
    expect(steps.map((s) => [s.key, s.status])).toEqual([
      ["Prepare", "SUCCEEDED"],
      ["Train", "FAILED"],
      ["Train#2", "SUCCEEDED"],
      ["Register", "SUCCEEDED"],
    ]);
    expect(get(byKey(steps), "Train")).toMatchObject({ error: "ResourceLimitExceeded", cause: "no capacity" });
  });

  it("resumes a distributed Map by its Map Run ARN when MapRunRedriven follows the redrive at the top level", () => {
    const h = newHistory();
    h.main.enter("Map", "ScoreAll");
    h.main.ev("MapStateStarted", { mapStateStartedEventDetails: { length: 3 } });
    h.main.ev("MapRunStarted", {
      mapRunStartedEventDetails: { mapRunArn: "arn:aws:states:eu-west-1:1:mapRun:sm/ScoreAll:x" },
    });
    h.main.ev("MapRunFailed", { mapRunFailedEventDetails: { error: "States.ExceedToleratedFailureThreshold" } });
    h.main.ev("MapStateFailed");
    h.main.ev("ExecutionFailed", { executionFailedEventDetails: { error: "States.ExceedToleratedFailureThreshold" } });
    h.main.ev("ExecutionRedriven", { executionRedrivenEventDetails: { redriveCount: 1 } });
    h.main.ev("MapRunRedriven", {
      mapRunRedrivenEventDetails: { mapRunArn: "arn:aws:states:eu-west-1:1:mapRun:sm/ScoreAll:x", redriveCount: 1 },
    });
    h.main.ev("MapRunSucceeded");
    h.main.ev("MapStateSucceeded");
    const exited = h.main.exit("Map", "ScoreAll");
    h.main.ev("ExecutionSucceeded");

    const { steps, warnings } = deriveSteps(h.events);
    expect(warnings).toEqual([]);
    expect(steps).toEqual([
      expect.objectContaining({ key: "ScoreAll", status: "SUCCEEDED", attempts: 2, exitedEventId: exited }),
    ]);
  });

  it("counts a schedule that failed before anything ran as an attempt", () => {
    const h = newHistory();
    h.main.enter("Task", "Approve");
    h.main.ev("ActivityScheduleFailed", { activityScheduleFailedEventDetails: { error: "States.Runtime" } });
    h.main.ev("ActivityScheduled", {
      activityScheduledEventDetails: { resource: "arn:aws:states:eu-west-1:1:activity:a" },
    });
    h.main.ev("ActivityStarted", { activityStartedEventDetails: { workerName: "w" } });
    h.main.ev("ActivitySucceeded", { activitySucceededEventDetails: { output: "{}" } });
    h.main.exit("Task", "Approve");
    const [step] = deriveSteps(h.events).steps;
    expect(step).toMatchObject({ key: "Approve", status: "SUCCEEDED", attempts: 2 });
  });

  it("resumes a redrive after an abort at the top level, even though the abort pointed into an iteration", () => {
    const h = newHistory();
    h.main.enter("Map", "Fanout");
    const started = h.main.ev("MapStateStarted", { mapStateStartedEventDetails: { length: 1 } });
    const first = h.thread(started);
    first.ev("MapIterationStarted", { mapIterationStartedEventDetails: { name: "Fanout", index: 0 } });
    first.startTask("Train");
    // AWS and the emulator point ExecutionAborted (and so the redrive) at the last event written anywhere.
    const redriven = h.thread(first.last);
    redriven.ev("ExecutionAborted");
    redriven.ev("ExecutionRedriven", { executionRedrivenEventDetails: { redriveCount: 1 } });
    redriven.enter("Map", "Fanout");
    const again = redriven.ev("MapStateStarted", { mapStateStartedEventDetails: { length: 1 } });
    const second = h.thread(again);
    second.ev("MapIterationStarted", { mapIterationStartedEventDetails: { name: "Fanout", index: 0 } });
    second.task("Train");

    const { steps, warnings } = deriveSteps(h.events);
    expect(warnings).toEqual([]);
    expect(steps.map((s) => [s.key, s.status, s.parentKey])).toEqual([
      ["Fanout", "ABORTED", null],
      ["Fanout[0]/Train", "ABORTED", "Fanout"],
      ["Fanout#2", "RUNNING", null],
      ["Fanout#2[0]/Train", "SUCCEEDED", "Fanout#2"],
    ]);
  });

  it("takes a failed Parallel's error from the failed branch when its event points at a sibling's last event", () => {
    // The emulator lets sibling branches finish and points ParallelStateFailed at the latest event of any branch.
    const h = newHistory();
    h.main.enter("Parallel", "Evaluate");
    const started = h.main.ev("ParallelStateStarted");
    const a = h.thread(started);
    const b = h.thread(started);
    a.startTask("Train");
    a.failTask("ModelError", "diverged");
    const bLast = b.pass("Score");
    const failed = h.add("ParallelStateFailed", bLast);
    h.add("ExecutionFailed", failed, { executionFailedEventDetails: { error: "ModelError", cause: "diverged" } });

    const s = byKey(deriveSteps(h.events).steps);
    expect(get(s, "Evaluate{0}/Train").status).toBe("FAILED");
    expect(get(s, "Evaluate{1}/Score").status).toBe("SUCCEEDED");
    expect(get(s, "Evaluate")).toMatchObject({ status: "FAILED", error: "ModelError", exitedEventId: failed });
  });

  it("accepts AWS's previousEventId 0 on the first state", () => {
    const h = newHistory();
    h.add("PassStateEntered", 0, { stateEnteredEventDetails: { name: "Start", input: "{}" } });
    h.add("PassStateExited", 2, { stateExitedEventDetails: { name: "Start", output: "{}" } });
    h.add("ExecutionSucceeded", 3);
    expect(deriveSteps(h.events)).toEqual({
      steps: [expect.objectContaining({ key: "Start", status: "SUCCEEDED", exitedEventId: 3 })],
      warnings: [],
    });
  });

  it("gives a state entered again by a loop its own key", () => {
    const h = newHistory();
    for (let i = 0; i < 3; i++) {
      h.main.task("Poll");
      h.main.enter("Choice", "Done?");
      h.main.exit("Choice", "Done?");
    }
    h.main.ev("ExecutionSucceeded");
    expect(deriveSteps(h.events).steps.map((s) => s.key)).toEqual([
      "Poll",
      "Done?",
      "Poll#2",
      "Done?#2",
      "Poll#3",
      "Done?#3",
    ]);
  });

  it("gives the same result for shuffled events with duplicates", () => {
    const { events } = mapWithFailedIteration();
    const expected = deriveSteps(events);

    // Deterministic shuffle, and every third event delivered twice (overlapping history pages).
    const messy = [...events, ...events.filter((_, i) => i % 3 === 0).map((e) => ({ ...e }))];
    let seed = 42;
    for (let i = messy.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [messy[i], messy[j]] = [messy[j] as HistoryEvent, messy[i] as HistoryEvent];
    }
    expect(messy.map((e) => e.id)).not.toEqual(events.map((e) => e.id));

    expect(deriveSteps(messy)).toEqual(expected);
  });

  it("skips malformed events with a warning and keeps deriving around them", () => {
    const h = newHistory();
    h.main.pass("Prepare");
    // Unknown (future) type in the middle of the root thread: the next state points at it.
    h.main.ev("FancyNewEvent" as HistoryEventType);
    h.main.task("Train");
    // A state entered without details cannot become a step.
    h.main.ev("PassStateEntered");
    h.main.ev("ExecutionSucceeded");
    const noId = { type: "PassStateEntered", timestamp: new Date() } as HistoryEvent;
    const badTime = { id: 999, previousEventId: 1, type: "TaskScheduled", timestamp: new Date("nope") } as HistoryEvent;

    const { steps, warnings } = deriveSteps([...h.events, noId, badTime]);
    expect(steps.map((s) => [s.key, s.status])).toEqual([
      ["Prepare", "SUCCEEDED"],
      ["Train", "SUCCEEDED"],
    ]);
    expect(warnings).toHaveLength(4);
    expect(warnings.join("\n")).toMatch(/FancyNewEvent.*unknown event type/);
    expect(warnings.join("\n")).toMatch(/PassStateEntered.*no stateEnteredEventDetails/);
    expect(warnings.join("\n")).toMatch(/without a valid id/);
    expect(warnings.join("\n")).toMatch(/event 999.*invalid timestamp/);
  });

  it("reports an event whose previous event is missing and attributes it to the top level", () => {
    const h = newHistory();
    h.main.task("Train");
    h.main.ev("ExecutionSucceeded");
    const withoutSecond = h.events.filter((e) => e.id !== 2); // TaskStateEntered lost
    const { steps, warnings } = deriveSteps(withoutSecond);
    expect(steps).toEqual([]);
    expect(warnings.some((w) => /previous event 2 is missing/.test(w))).toBe(true);
  });

  describe("SageMaker job extraction", () => {
    it("reads the job name from TaskScheduled parameters and the ARN from TaskSubmitted / TaskSucceeded output", () => {
      const arn = "arn:aws:sagemaker:eu-west-1:123456789012:training-job/churn-2025-03-01";
      const h = newHistory();
      h.main.startTask("Train", {
        resourceType: "sagemaker",
        resource: "createTrainingJob.sync",
        parameters: JSON.stringify({ TrainingJobName: "churn-2025-03-01", HyperParameters: { eta: "0.1" } }),
        submittedOutput: JSON.stringify({ TrainingJobArn: arn }),
      });
      const afterSubmit = deriveSteps(h.events).steps[0];
      expect(afterSubmit).toMatchObject({ status: "RUNNING", jobName: "churn-2025-03-01", jobArn: arn });
      expect(afterSubmit?.resource).toBe("createTrainingJob.sync");
      expect(afterSubmit?.resourceType).toBe("sagemaker");

      // DescribeTrainingJob output: top-level keys count, a nested tuning parent's keys do not.
      const described = JSON.stringify({
        TrainingJobName: "churn-2025-03-01",
        TrainingJobArn: arn,
        TuningJobArn: "arn:tuning",
        TrainingJobStatus: "Completed",
      });
      h.main.ev("TaskSucceeded", {
        taskSucceededEventDetails: { resourceType: "sagemaker", resource: "createTrainingJob.sync", output: described },
      });
      h.main.exit("Task", "Train", described);
      expect(deriveSteps(h.events).steps[0]).toMatchObject({ status: "SUCCEEDED", jobArn: arn });
    });

    it("takes the ARN from TaskSucceeded alone and reads only the resource's job kind", () => {
      const h = newHistory();
      h.main.task("BatchScore", {
        resourceType: "sagemaker",
        resource: "createTransformJob.sync",
        parameters: '{"TransformJobName":"score-7","ModelName":"m"}',
        // A transform's description may carry a related training job ARN; it must not be taken for this job.
        output: '{"TrainingJobArn":"arn:other","TransformJobArn":"arn:aws:sagemaker:r:1:transform-job/score-7"}',
      });
      expect(deriveSteps(h.events).steps[0]).toMatchObject({
        jobName: "score-7",
        jobArn: "arn:aws:sagemaker:r:1:transform-job/score-7",
      });
    });

    it("finds the job in truncated output and leaves plain Lambda tasks without a job", () => {
      const h = newHistory();
      h.main.task("Tune", {
        resourceType: "sagemaker",
        resource: "createHyperParameterTuningJob.sync",
        parameters: '{"HyperParameterTuningJobName":"tune-3"}',
        output: '{"HyperParameterTuningJobArn":"arn:tune-3","TrainingJobDefinition":{"StaticHyperPa',
      });
      h.main.task("Notify", { output: '{"StatusCode":200}' });
      const s = byKey(deriveSteps(h.events).steps);
      expect(get(s, "Tune")).toMatchObject({ jobName: "tune-3", jobArn: "arn:tune-3" });
      expect(get(s, "Notify")).toMatchObject({ jobName: null, jobArn: null, resourceType: "lambda" });
    });
  });

  it("derives a distributed Map as one step whose resource is the Map Run", () => {
    const h = newHistory();
    h.main.enter("Map", "ScoreAll");
    h.main.ev("MapStateStarted", { mapStateStartedEventDetails: { length: 0 } });
    h.main.ev("MapRunStarted", { mapRunStartedEventDetails: { mapRunArn: "arn:aws:states:r:1:mapRun:sm/ScoreAll:1" } });
    h.main.ev("MapRunFailed", { mapRunFailedEventDetails: { error: "States.ExceedToleratedFailureThreshold" } });
    h.main.ev("MapStateFailed");
    h.main.ev("ExecutionFailed", { executionFailedEventDetails: { error: "States.ExceedToleratedFailureThreshold" } });

    const { steps, warnings } = deriveSteps(h.events);
    expect(warnings).toEqual([]);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      key: "ScoreAll",
      status: "FAILED",
      resource: "arn:aws:states:r:1:mapRun:sm/ScoreAll:1",
      resourceType: "mapRun",
      error: "States.ExceedToleratedFailureThreshold",
    });
  });

  it("nests keys for a Parallel inside a Map iteration", () => {
    const h = newHistory();
    h.main.enter("Map", "Markets");
    const started = h.main.ev("MapStateStarted");
    const iteration = h.thread(started);
    iteration.ev("MapIterationStarted", { mapIterationStartedEventDetails: { name: "Markets", index: 3 } });
    iteration.enter("Parallel", "Evaluate");
    const pStarted = iteration.ev("ParallelStateStarted");
    const b0 = h.thread(pStarted);
    b0.pass("Score");
    const ok = h.add("ParallelStateSucceeded", b0.last);
    h.thread(ok).exit("Parallel", "Evaluate");

    const s = byKey(deriveSteps(h.events).steps);
    expect(get(s, "Markets[3]/Evaluate")).toMatchObject({ parentKey: "Markets", depth: 1, mapIterationIndex: 3 });
    expect(get(s, "Markets[3]/Evaluate{0}/Score")).toMatchObject({
      parentKey: "Markets[3]/Evaluate",
      depth: 2,
      parallelBranchIndex: 0,
      mapIterationIndex: null,
      status: "SUCCEEDED",
    });
    // The execution is still running: the Map has not exited.
    expect(get(s, "Markets")).toMatchObject({ status: "RUNNING", exitedAt: null });
  });

  it("is idempotent: deriving twice gives deep-equal output and leaves the input untouched", () => {
    const { events } = mapWithFailedIteration();
    const snapshot = structuredClone(events);
    const first = deriveSteps(events);
    const second = deriveSteps(events);
    expect(second).toEqual(first);
    expect(events).toEqual(snapshot);
    // Output dates are copies: mutating them cannot corrupt the next derivation.
    first.steps[0]?.enteredAt.setTime(0);
    expect(deriveSteps(events)).toEqual(second);
  });

  it("derives the same steps from stored rows (details without their member name, JSON-shaped)", () => {
    const { events } = mapWithFailedIteration();
    const rows = events.map((e) => ({
      eventId: e.id as number,
      previousEventId: e.previousEventId ?? null,
      type: e.type as string,
      timestamp: e.timestamp as Date,
      details: JSON.parse(JSON.stringify(historyEventDetails(e))) as unknown,
    }));
    expect(deriveSteps(rows.map(historyEventFromStored))).toEqual(deriveSteps(events));
  });

  // Speed is measured by `npm run bench`, never asserted here; this proves a history this long derives correctly.
  it("derives a 25,000-event history", () => {
    const h = newHistory();
    h.main.enter("Map", "Shards");
    const started = h.main.ev("MapStateStarted", { mapStateStartedEventDetails: { length: 2500 } });
    let lastIterationEnd = started;
    for (let index = 0; index < 2500; index++) {
      const iteration = h.thread(started);
      iteration.ev("MapIterationStarted", { mapIterationStartedEventDetails: { name: "Shards", index } });
      iteration.task("Process", { failures: index % 10 === 0 ? [{ error: "Throttled", cause: "slow down" }] : [] });
      iteration.ev("MapIterationSucceeded", { mapIterationSucceededEventDetails: { name: "Shards", index } });
      lastIterationEnd = iteration.last;
    }
    const tail = h.thread(h.add("MapStateSucceeded", lastIterationEnd));
    tail.exit("Map", "Shards");
    // Pad with a long tail of states (a pass is two events) up to exactly 25,000 events.
    while (h.events.length < 25_000) {
      if (h.events.length === 24_999) tail.ev("ExecutionSucceeded");
      else tail.pass("Tail");
    }
    expect(h.events.length).toBe(25_000);

    const { steps, warnings } = deriveSteps(h.events);

    expect(warnings).toEqual([]);
    expect(steps.filter((s) => s.stateName === "Process" && s.status === "SUCCEEDED")).toHaveLength(2500);
    expect(get(byKey(steps), "Shards[10]/Process").attempts).toBe(2);
    expect(get(byKey(steps), "Shards[11]/Process").attempts).toBe(1);
  });
});

describe("summariseSteps", () => {
  it("counts steps by status, with every status present", () => {
    const counts = summariseSteps([{ status: "FAILED" }, { status: "FAILED" }, { status: "CAUGHT" }]);
    expect(counts).toEqual({
      RUNNING: 0,
      SUCCEEDED: 0,
      FAILED: 2,
      CAUGHT: 1,
      ABORTED: 0,
      TIMED_OUT: 0,
      CANCELLED: 0,
    });
  });
});
