/** Interpreter semantics the demo does not exercise: Catch, Retry counts, intrinsics, Choice operators, Wait. */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "./index";

let emu: RunningEmulator;
let sfn: SFNClient;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, demo: false, timeScale: 100_000, log: () => undefined });
  sfn = new SFNClient({
    endpoint: emu.url,
    region: "eu-west-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
});
afterAll(async () => emu?.stop());

async function run(name: string, definition: object, input: object) {
  const machine = emu.createStateMachine({ name, definition: JSON.stringify(definition) });
  const { executionArn = "" } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: machine.arn, input: JSON.stringify(input) }),
  );
  await emu.waitForExecution(executionArn);
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return { d, events: h.events ?? ([] as HistoryEvent[]) };
}

/** A training job named "dup-name", retried twice on ResourceInUse, then caught into Handle with the error at $.error. */
const catchMe = {
  StartAt: "Train",
  States: {
    Train: {
      Type: "Task",
      Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync",
      Parameters: { TrainingJobName: "dup-name" },
      Retry: [
        { ErrorEquals: ["SageMaker.ResourceInUseException"], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 },
      ],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Handle" }],
      End: true,
    },
    Handle: { Type: "Pass", End: true },
  },
};

it("retries a failing task MaxAttempts times, then Catch routes to the handler with the error at ResultPath", async () => {
  const { d, events } = await run("catch-me", catchMe, { a: 1 });
  // The first execution creates the training job "dup-name"; the second one collides with it.
  expect(d.status).toBe("SUCCEEDED");
  const second = await run("catch-me-2", catchMe, { a: 1 });
  expect(events.filter((e) => e.type === "TaskScheduled")).toHaveLength(1);
  const types = second.events.map((e) => e.type);
  expect(types.filter((t) => t === "TaskScheduled")).toHaveLength(3);
  expect(types.filter((t) => t === "TaskFailed")).toHaveLength(3);
  const exited = second.events.find((e) => e.type === "TaskStateExited");
  const out = JSON.parse(exited?.stateExitedEventDetails?.output ?? "{}");
  expect(out).toMatchObject({ a: 1, error: { Error: "SageMaker.ResourceInUseException" } });
  expect(second.d.status).toBe("SUCCEEDED");
  expect(JSON.parse(second.d.output ?? "{}").error.Error).toBe("SageMaker.ResourceInUseException");
});

it("evaluates intrinsics, Choice operators, Wait and OutputPath; Fail fails the execution", async () => {
  const definition = {
    StartAt: "Build",
    States: {
      Build: {
        Type: "Pass",
        Parameters: {
          "label.$": "States.Format('run-{}-{}', $.name, $.n)",
          "next.$": "States.MathAdd($.n, 1)",
          "parsed.$": "States.StringToJson($.json)",
          "list.$": "States.Array($.n, 'x')",
          "text.$": "States.JsonToString($.obj)",
          "id.$": "States.UUID()",
        },
        Next: "Pause",
      },
      Pause: { Type: "Wait", SecondsPath: "$.next", Next: "Gate" },
      Gate: {
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: "$.next", NumericGreaterThan: 2 },
              { Not: { Variable: "$.label", StringEquals: "nope" } },
            ],
            Next: "Good",
          },
          { Variable: "$.parsed.ok", BooleanEquals: true, Next: "Bad" },
        ],
        Default: "Bad",
      },
      Good: { Type: "Pass", OutputPath: "$.label", End: true },
      Bad: { Type: "Fail", Error: "Gate.Closed", Cause: "quality gate" },
    },
  };
  const ok = await run("intrinsics", definition, { name: "a", n: 2, json: '{"ok":true}', obj: { k: 1 } });
  expect(ok.d.status).toBe("SUCCEEDED");
  expect(JSON.parse(ok.d.output ?? "null")).toBe("run-a-2");
  const built = JSON.parse(
    ok.events.find((e) => e.type === "PassStateExited")?.stateExitedEventDetails?.output ?? "{}",
  );
  expect(built).toMatchObject({ next: 3, parsed: { ok: true }, list: [2, "x"], text: '{"k":1}' });
  expect(built.id).toMatch(/^[0-9a-f-]{36}$/);
  const bad = await run("intrinsics-bad", definition, { name: "a", n: 1, json: '{"ok":true}', obj: {} });
  expect(bad.d).toMatchObject({ status: "FAILED", error: "Gate.Closed", cause: "quality gate" });
  expect(bad.events.map((e) => e.type).slice(-2)).toEqual(["FailStateEntered", "ExecutionFailed"]);
});

it("runs a Map of more than ten concurrent iterations without Node warning about the execution's abort listeners", async () => {
  // Each waiting iteration listens to its execution's abort signal; past Node's default of 10 listeners, Node
  // printed "MaxListenersExceededWarning: Possible EventTarget memory leak" (the listeners are removed when the
  // wait ends: there was no leak, only noise in the demo's and the e2e suite's logs).
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on("warning", onWarning);
  try {
    const { d } = await run(
      "wide-map",
      {
        StartAt: "Each",
        States: {
          Each: {
            Type: "Map",
            ItemsPath: "$.items",
            Iterator: { StartAt: "Hold", States: { Hold: { Type: "Wait", Seconds: 60, End: true } } },
            End: true,
          },
        },
      },
      { items: Array.from({ length: 16 }, (_, i) => i) },
    );
    expect(d.status).toBe("SUCCEEDED");
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
  }
  expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message)).toEqual([]);
});
