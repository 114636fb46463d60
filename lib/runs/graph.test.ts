import { describe, expect, it } from "vitest";
import { catalogue } from "@/lib/emulator/demo/catalogue";
import {
  buildGraph,
  describeChoiceRule,
  errorRules,
  mapRunText,
  nodeIdForStepKey,
  nodeStates,
  ruleFor,
  withContainerStates,
  withMapRunStates,
} from "./graph";
import { layoutGraph } from "./graph-layout";

const definitionOf = (name: string) => catalogue.find((p) => p.name === name)?.definition;

const step = (
  key: string,
  status: string,
  enteredAt: string,
  extra: Partial<{ attempts: number; map: number }> = {},
) => ({
  key,
  status,
  enteredAt,
  attempts: extra.attempts ?? 1,
  mapIterationIndex: extra.map ?? null,
});

describe("state-machine graph", () => {
  it("nests Map iterators and Parallel branches and labels Choice and Catch edges", () => {
    const map = buildGraph(definitionOf("demand-forecast-per-market"));
    expect(map.nodes.find((n) => n.id === "ForecastPerMarket/TrainForecaster")).toMatchObject({
      parent: "ForecastPerMarket",
      detail: "SageMaker training",
    });
    const parallel = buildGraph(definitionOf("return-probability"));
    expect(parallel.nodes.find((n) => n.id === "Evaluate{1}")).toMatchObject({ kind: "branch", parent: "Evaluate" });
    expect(parallel.nodes.find((n) => n.id === "Evaluate{1}/FairnessAudit")?.parent).toBe("Evaluate{1}");
    const gate = parallel.edges.filter((e) => e.source === "QualityGate");
    expect(gate.map((e) => [e.target, e.kind])).toEqual([
      ["RegisterModel", "choice"],
      ["Rejected", "default"],
    ]);
    expect(gate[0]?.label).toContain("≥ 0.4");
    const caught = buildGraph({
      StartAt: "A",
      States: {
        A: { Type: "Task", Resource: "x", Catch: [{ ErrorEquals: ["States.ALL"], Next: "B" }], End: true },
        B: { Type: "Fail" },
      },
    });
    expect(caught.edges.find((e) => e.kind === "catch")).toMatchObject({
      source: "A",
      target: "B",
      label: "catch States.ALL",
    });
  });

  it("never throws on malformed definitions", () => {
    for (const bad of [
      null,
      42,
      "x",
      {},
      { States: [] },
      { StartAt: "Nope", States: { A: "not an object", B: { Next: 3 } } },
    ]) {
      expect(() => buildGraph(bad)).not.toThrow();
    }
    expect(describeChoiceRule({ Not: { Variable: "$.a", StringEquals: "b" } })).toBe('not (a = "b")');
  });

  it("maps step keys onto nodes and derives node status across re-entries and Map iterations", () => {
    expect(nodeIdForStepKey("Fan#2[3]/Work#2")).toBe("Fan/Work");
    expect(nodeIdForStepKey("Evaluate{1}/Score")).toBe("Evaluate{1}/Score");
    const steps = [
      step("Train", "FAILED", "2026-01-01T00:00:00Z"),
      step("Train#2", "SUCCEEDED", "2026-01-01T01:00:00Z"),
      step("Fan", "RUNNING", "2026-01-01T02:00:00Z"),
      step("Fan[0]/Work", "SUCCEEDED", "2026-01-01T02:00:01Z", { map: 0 }),
      step("Fan[1]/Work", "FAILED", "2026-01-01T02:00:02Z", { map: 1 }),
      step("Fan[2]/Work", "SUCCEEDED", "2026-01-01T02:00:03Z", { map: 2, attempts: 3 }),
    ];
    const states = nodeStates(steps);
    expect(states.get("Train")).toMatchObject({ status: "retried", executions: 2, stepKey: "Train#2" });
    expect(states.get("Fan/Work")).toMatchObject({
      status: "failed",
      executions: 3,
      counts: { succeeded: 1, failed: 1, retried: 1 },
      maxAttempts: 3,
    });
    expect(nodeStates(steps, { iteration: 0 }).get("Fan/Work")).toMatchObject({ status: "succeeded", executions: 1 });
    const model = buildGraph({
      StartAt: "P",
      States: {
        P: {
          Type: "Parallel",
          Branches: [{ StartAt: "X", States: { X: { Type: "Pass", End: true } } }],
          End: true,
        },
      },
    });
    const withContainers = withContainerStates(model, nodeStates([step("P{0}/X", "RUNNING", "2026-01-01T00:00:00Z")]));
    expect(withContainers.get("P{0}")?.status).toBe("running");
  });

  it("lays out 60+ states with nested containers without overlaps at the top level", async () => {
    const states: Record<string, unknown> = {};
    for (let i = 0; i < 64; i++) {
      states[`S${i}`] =
        i === 30
          ? {
              Type: "Map",
              ItemProcessor: { StartAt: "In", States: { In: { Type: "Task", Resource: "x", End: true } } },
              Next: `S${i + 1}`,
            }
          : i % 10 === 5
            ? {
                Type: "Choice",
                Choices: [{ Variable: "$.x", NumericGreaterThan: 1, Next: `S${i + 1}` }],
                Default: `S${i + 2}`,
              }
            : i === 63
              ? { Type: "Succeed" }
              : { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Next: `S${i + 1}` };
    }
    const model = buildGraph({ StartAt: "S0", States: states });
    expect(model.stateCount).toBe(65);
    const layout = await layoutGraph(model, new Set());
    const top = layout.nodes.filter((n) => n.parent === null);
    for (const a of top) {
      for (const b of top) {
        if (a === b) continue;
        const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false);
      }
    }
    expect(layout.nodes.find((n) => n.id === "S30/In")?.parent).toBe("S30");
    const collapsed = await layoutGraph(model, new Set(["S30"]));
    expect(collapsed.nodes.find((n) => n.id === "S30")).toMatchObject({ collapsed: true, hiddenStates: 1 });
    expect(collapsed.nodes.some((n) => n.id === "S30/In")).toBe(false);
  });
});

describe("errorRules / ruleFor", () => {
  const state = {
    Type: "Task",
    Retry: [
      {
        ErrorEquals: ["Lambda.ServiceException", "Lambda.TooManyRequestsException"],
        IntervalSeconds: 2,
        MaxAttempts: 4,
      },
      { ErrorEquals: ["States.TaskFailed"] },
    ],
    Catch: [{ ErrorEquals: ["States.ALL"], Next: "NotifyFailure", ResultPath: "$.error" }, { ErrorEquals: ["X"] }],
  };

  it("reads Retry with the ASL defaults and keeps only catchers that name a Next", () => {
    expect(errorRules(state)).toEqual({
      retry: [
        {
          errors: ["Lambda.ServiceException", "Lambda.TooManyRequestsException"],
          intervalSeconds: 2,
          maxAttempts: 4,
          backoffRate: 2,
          maxDelaySeconds: null,
        },
        { errors: ["States.TaskFailed"], intervalSeconds: 1, maxAttempts: 3, backoffRate: 2, maxDelaySeconds: null },
      ],
      catch: [{ errors: ["States.ALL"], next: "NotifyFailure", resultPath: "$.error" }],
    });
    expect(errorRules({ Type: "Pass" })).toBeNull();
    const graph = buildGraph({
      StartAt: "A",
      States: { A: { ...state, End: true }, NotifyFailure: { Type: "Succeed" } },
    });
    expect(graph.nodes.find((n) => n.id === "A")?.rules?.retry).toHaveLength(2);
    expect(graph.nodes.find((n) => n.id === "NotifyFailure")?.rules).toBeUndefined();
  });

  it("picks the first rule naming the error; States.TaskFailed matches all but States.Timeout", () => {
    const rules = errorRules(state);
    if (!rules) throw new Error("no rules");
    expect(ruleFor(rules.retry, "Lambda.ServiceException")).toBe(rules.retry[0]);
    expect(ruleFor(rules.retry, "Custom.Error")).toBe(rules.retry[1]);
    expect(ruleFor(rules.retry, "States.Timeout")).toBeNull();
    expect(ruleFor(rules.catch, "States.Timeout")).toBe(rules.catch[0]);
    expect(ruleFor(rules.retry, null)).toBeNull();
  });
});

describe("withMapRunStates", () => {
  const model = buildGraph(definitionOf("search-ranking-ltr"));
  const mapNode = model.nodes.find((n) => n.type === "Map");
  const inner = model.nodes.filter((n) => mapNode && n.parent === mapNode.id && n.kind === "state");
  const counts = { total: 8, succeeded: 8, failed: 0, timedOut: 0, aborted: 0, running: 0, pending: 0 };

  it("gives a distributed Map's inner states the Map Run's aggregate instead of 'not started'", () => {
    if (!mapNode) throw new Error("search-ranking-ltr has no Map");
    expect(inner.length).toBeGreaterThan(0);
    const plain = withContainerStates(model, nodeStates([step(mapNode.id, "SUCCEEDED", "2026-01-01T00:00:00Z")]));
    for (const node of inner) expect(plain.get(node.id)?.status ?? "not-started").toBe("not-started");

    const states = withMapRunStates(model, nodeStates([step(mapNode.id, "SUCCEEDED", "2026-01-01T00:00:00Z")]), [
      { stepKey: mapNode.id, status: "SUCCEEDED", itemCounts: counts },
    ]);
    for (const node of inner) {
      expect(states.get(node.id)).toMatchObject({
        status: "succeeded",
        executions: 8,
        counts: { succeeded: 8 },
        stepKey: mapNode.id,
        mapRun: "8 of 8 items succeeded",
      });
    }
  });

  it("says what failed, and marks tolerated failures of a succeeded Map Run as caught", () => {
    if (!mapNode) throw new Error("search-ranking-ltr has no Map");
    const mixed = { ...counts, succeeded: 6, failed: 1, running: 1 };
    expect(mapRunText({ stepKey: "M", status: "RUNNING", itemCounts: mixed })).toBe(
      "6 of 8 items succeeded, 1 failed, 1 running",
    );
    const failed = withMapRunStates(model, new Map(), [
      { stepKey: `${mapNode.id}#2`, status: "FAILED", itemCounts: { ...counts, succeeded: 7, failed: 1 } },
    ]);
    expect(failed.get(inner[0]?.id ?? "")).toMatchObject({ status: "failed", counts: { succeeded: 7, failed: 1 } });
    const tolerated = withMapRunStates(model, new Map(), [
      { stepKey: mapNode.id, status: "SUCCEEDED", itemCounts: { ...counts, succeeded: 7, failed: 1 } },
    ]);
    expect(tolerated.get(inner[0]?.id ?? "")?.status).toBe("caught");
  });
});
