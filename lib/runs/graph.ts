/**
 * The state-machine graph of a run, as data: states of the ASL definition as
 * nodes (Map iterators and Parallel branches nested inside their state), the
 * transitions as edges (Choice rules labelled, Catch routes marked), and the
 * status of each node from the run's steps. Pure and free of server imports:
 * the page lays it out on the server, the browser again when a container is
 * collapsed (graph-layout.ts).
 *
 * Node ids are paths that a step key maps onto without the per-execution parts:
 *   step "ForecastPerMarket[3]/TrainForecaster#2" → node "ForecastPerMarket/TrainForecaster"
 *   step "Evaluate{1}/FairnessAudit"              → node "Evaluate{1}/FairnessAudit" (branch 1 of Evaluate)
 */
import type { NodeStatus } from "@/lib/status";

export type GraphNodeKind = "state" | "branch" | "start" | "end";

export type GraphNode = {
  id: string;
  name: string;
  /** ASL type (Task, Choice, Map, Parallel, Pass, Wait, Succeed, Fail); "Branch" for a Parallel branch. */
  type: string;
  kind: GraphNodeKind;
  /** Id of the containing Map / branch, null at the top level. */
  parent: string | null;
  /** What a Task calls, short: "SageMaker training", "Lambda", … */
  detail: string | null;
  /** Direct child nodes (containers only). */
  children: string[];
  /** The state's Retry and Catch rules as the definition gives them (Task, Map, Parallel), when it has any. */
  rules?: ErrorRules;
};

export type RetryRule = {
  errors: string[];
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
  maxDelaySeconds: number | null;
};
export type CatchRule = { errors: string[]; next: string; resultPath: string | null };
export type ErrorRules = { retry: RetryRule[]; catch: CatchRule[] };

export type GraphEdgeKind = "next" | "choice" | "default" | "catch";

export type GraphEdge = {
  id: string;
  source: string;
  target: string;
  kind: GraphEdgeKind;
  label: string | null;
  /** Container the edge runs in (both ends are its children), null at the top level. */
  scope: string | null;
};

export type GraphModel = { nodes: GraphNode[]; edges: GraphEdge[]; stateCount: number };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** "arn:aws:states:::sagemaker:createTrainingJob.sync" → "SageMaker training". */
export function describeResource(resource: unknown): string | null {
  if (typeof resource !== "string") return null;
  const sm = /:sagemaker:create(\w+?)Job/.exec(resource);
  if (sm?.[1]) {
    const kinds: Record<string, string> = {
      Training: "SageMaker training",
      Transform: "SageMaker batch transform",
      Processing: "SageMaker processing",
      HyperParameterTuning: "SageMaker tuning",
    };
    return kinds[sm[1]] ?? `SageMaker ${sm[1].toLowerCase()}`;
  }
  if (/:sagemaker:createModelPackage/.test(resource)) return "SageMaker model registry";
  if (/:lambda:|:function:/.test(resource)) return "Lambda";
  if (/:glue:/.test(resource)) return "Glue";
  if (/:emr/.test(resource)) return "EMR";
  if (/:states:startExecution/.test(resource)) return "Step Functions";
  if (/:ecs:/.test(resource)) return "ECS";
  if (/:batch:/.test(resource)) return "Batch";
  const service = /^arn:aws[\w-]*:states:::([\w-]+):/.exec(resource);
  return service?.[1] ?? null;
}

const COMPARATORS: Record<string, string> = {
  StringEquals: "=",
  StringEqualsPath: "=",
  NumericEquals: "=",
  NumericEqualsPath: "=",
  BooleanEquals: "=",
  BooleanEqualsPath: "=",
  TimestampEquals: "=",
  NumericLessThan: "<",
  NumericLessThanPath: "<",
  StringLessThan: "<",
  TimestampLessThan: "<",
  NumericGreaterThan: ">",
  NumericGreaterThanPath: ">",
  StringGreaterThan: ">",
  TimestampGreaterThan: ">",
  NumericLessThanEquals: "≤",
  NumericLessThanEqualsPath: "≤",
  StringLessThanEquals: "≤",
  TimestampLessThanEquals: "≤",
  NumericGreaterThanEquals: "≥",
  NumericGreaterThanEqualsPath: "≥",
  StringGreaterThanEquals: "≥",
  TimestampGreaterThanEquals: "≥",
  StringMatches: "~",
  IsPresent: "present",
  IsNull: "null",
};

/** A short, readable text for a Choice rule: "headline ≥ 0.6", "metrics.headline ≥ 0.4 and passed = true". */
export function describeChoiceRule(rule: unknown, depth = 0): string {
  if (!isObject(rule)) return "?";
  if (typeof rule.Condition === "string") return rule.Condition.replace(/^\{%\s*|\s*%\}$/g, "").slice(0, 60);
  if (Array.isArray(rule.And)) return rule.And.map((r) => describeChoiceRule(r, depth + 1)).join(" and ");
  if (Array.isArray(rule.Or)) return rule.Or.map((r) => describeChoiceRule(r, depth + 1)).join(" or ");
  if (rule.Not !== undefined) return `not (${describeChoiceRule(rule.Not, depth + 1)})`;
  const variable =
    typeof rule.Variable === "string"
      ? rule.Variable.replace(/^\$\.?/, "")
          .split(".")
          .slice(-2)
          .join(".")
      : "?";
  for (const [op, symbol] of Object.entries(COMPARATORS)) {
    if (!(op in rule)) continue;
    const raw = rule[op];
    const value = op.endsWith("Path") && typeof raw === "string" ? raw.replace(/^\$\.?/, "") : JSON.stringify(raw);
    if (op === "IsPresent" || op === "IsNull") return raw ? `${variable} ${symbol}` : `${variable} not ${symbol}`;
    return `${variable} ${symbol} ${value}`;
  }
  return variable;
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const num = (value: unknown, fallback: number): number =>
  typeof value === "number" && Number.isFinite(value) ? value : fallback;
const errorNames = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((e): e is string => typeof e === "string") : [];

/** A state's Retry / Catch with the ASL defaults filled in (IntervalSeconds 1, MaxAttempts 3, BackoffRate 2). */
export function errorRules(state: Json): ErrorRules | null {
  const retry = Array.isArray(state.Retry)
    ? state.Retry.filter(isObject).map((r) => ({
        errors: errorNames(r.ErrorEquals),
        intervalSeconds: num(r.IntervalSeconds, 1),
        maxAttempts: num(r.MaxAttempts, 3),
        backoffRate: num(r.BackoffRate, 2),
        maxDelaySeconds: typeof r.MaxDelaySeconds === "number" ? r.MaxDelaySeconds : null,
      }))
    : [];
  const catchers = Array.isArray(state.Catch)
    ? state.Catch.filter(isObject).flatMap((c) =>
        typeof c.Next === "string"
          ? [
              {
                errors: errorNames(c.ErrorEquals),
                next: c.Next,
                resultPath: typeof c.ResultPath === "string" ? c.ResultPath : null,
              },
            ]
          : [],
      )
    : [];
  return retry.length || catchers.length ? { retry, catch: catchers } : null;
}

/**
 * The rule an error matched, as Step Functions picks it: the first whose ErrorEquals names the error, or
 * "States.ALL"; "States.TaskFailed" matches any error but States.Timeout (as AWS documents it).
 */
export function ruleFor<T extends { errors: string[] }>(rules: readonly T[], error: string | null): T | null {
  if (error === null) return null;
  return (
    rules.find((r) =>
      r.errors.some(
        (e) => e === error || e === "States.ALL" || (e === "States.TaskFailed" && error !== "States.Timeout"),
      ),
    ) ?? null
  );
}

/** Builds the graph of an ASL definition. Malformed parts are skipped, never thrown. */
export function buildGraph(definition: unknown): GraphModel {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const byId = new Map<string, GraphNode>();
  let stateCount = 0;
  const add = (node: GraphNode) => {
    if (byId.has(node.id)) return;
    byId.set(node.id, node);
    nodes.push(node);
    if (node.parent) byId.get(node.parent)?.children.push(node.id);
  };
  const edge = (scope: string | null, source: string, target: string, kind: GraphEdgeKind, label: string | null) => {
    edges.push({ id: `e${edges.length}`, source, target, kind, label, scope });
  };

  const walk = (states: Json, startAt: unknown, scope: string | null, prefix: string) => {
    const idOf = (name: string) => `${prefix}${name}`;
    const topLevel = scope === null;
    if (topLevel) {
      add({ id: "__start", name: "Start", type: "Start", kind: "start", parent: null, detail: null, children: [] });
      if (typeof startAt === "string" && isObject(states[startAt])) edge(null, "__start", idOf(startAt), "next", null);
    }
    const hasEnd = { value: false };
    for (const [name, raw] of Object.entries(states)) {
      if (!isObject(raw)) continue;
      stateCount++;
      const type = typeof raw.Type === "string" ? raw.Type : "Unknown";
      const id = idOf(name);
      const rules = errorRules(raw);
      add({
        id,
        name,
        type,
        kind: "state",
        parent: scope,
        detail: type === "Task" ? describeResource(raw.Resource) : null,
        children: [],
        ...(rules ? { rules } : {}),
      });
      if (type === "Map") {
        const processor = isObject(raw.ItemProcessor)
          ? raw.ItemProcessor
          : isObject(raw.Iterator)
            ? raw.Iterator
            : null;
        if (processor && isObject(processor.States)) walk(processor.States, processor.StartAt, id, `${id}/`);
      }
      if (type === "Parallel" && Array.isArray(raw.Branches)) {
        raw.Branches.forEach((branch, index) => {
          if (!isObject(branch) || !isObject(branch.States)) return;
          const branchId = `${id}{${index}}`;
          add({
            id: branchId,
            name: `Branch ${index + 1}`,
            type: "Branch",
            kind: "branch",
            parent: id,
            detail: null,
            children: [],
          });
          walk(branch.States, branch.StartAt, branchId, `${branchId}/`);
        });
      }
    }
    for (const [name, raw] of Object.entries(states)) {
      if (!isObject(raw)) continue;
      const id = idOf(name);
      const target = (next: unknown) => (typeof next === "string" && isObject(states[next]) ? idOf(next) : null);
      const terminal = raw.End === true || raw.Type === "Succeed" || raw.Type === "Fail";
      if (raw.Type === "Choice") {
        if (Array.isArray(raw.Choices)) {
          for (const rule of raw.Choices) {
            const to = isObject(rule) ? target(rule.Next) : null;
            if (to) edge(scope, id, to, "choice", truncate(describeChoiceRule(rule), 44));
          }
        }
        const fallback = target(raw.Default);
        if (fallback) edge(scope, id, fallback, "default", "Default");
      } else {
        const to = target(raw.Next);
        if (to) edge(scope, id, to, "next", null);
      }
      if (Array.isArray(raw.Catch)) {
        for (const catcher of raw.Catch) {
          if (!isObject(catcher)) continue;
          const to = target(catcher.Next);
          const errors = Array.isArray(catcher.ErrorEquals) ? catcher.ErrorEquals.join(", ") : "error";
          if (to) edge(scope, id, to, "catch", truncate(`catch ${errors}`, 32));
        }
      }
      if (topLevel && terminal) {
        hasEnd.value = true;
        edge(null, id, "__end", "next", null);
      }
    }
    if (topLevel && hasEnd.value) {
      add({ id: "__end", name: "End", type: "End", kind: "end", parent: null, detail: null, children: [] });
    }
  };

  if (isObject(definition) && isObject(definition.States)) walk(definition.States, definition.StartAt, null, "");
  // Edges to __end were added before the node; keep them only if it exists.
  return { nodes, edges: edges.filter((e) => byId.has(e.source) && byId.has(e.target)), stateCount };
}

// ───────────────────────────── status of each node ─────────────────────────────

export type { NodeStatus };

export type NodeState = {
  status: NodeStatus;
  /** Executions of this state counted (all iterations, re-entries and redrives). */
  executions: number;
  /** Per status, for "5 ✓ 1 ✗" on Map children. */
  counts: Partial<Record<NodeStatus, number>>;
  /** Highest attempt count of any execution (retries). */
  maxAttempts: number;
  /** The step to select when the node is clicked: the running one, else the latest. */
  stepKey: string;
  /**
   * For a state inside a distributed Map: its work ran in the Map Run's child executions, which the run's
   * history does not show; this says how they went ("8 of 8 items succeeded"), from DescribeMapRun.
   */
  mapRun?: string;
};

type StepLike = {
  key: string;
  status: string;
  enteredAt: string;
  attempts: number;
  mapIterationIndex: number | null;
};

const STEP_TO_NODE: Record<string, NodeStatus> = {
  RUNNING: "running",
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  CAUGHT: "caught",
  ABORTED: "aborted",
  TIMED_OUT: "timed-out",
  CANCELLED: "cancelled",
};

/** Which status wins when a node stands for several executions (Map iterations). */
const SEVERITY: NodeStatus[] = [
  "running",
  "failed",
  "timed-out",
  "aborted",
  "cancelled",
  "caught",
  "retried",
  "succeeded",
  "not-started",
];

const SEGMENT = /^(.*?)(?:#\d+)?(\[\d+\]|\{\d+\})?$/;

/** "Fan#2[3]/Work#2" → "Fan/Work"; "Evaluate{1}/Score" → "Evaluate{1}/Score". */
export function nodeIdForStepKey(key: string): string {
  return key
    .split("/")
    .map((segment) => {
      const m = SEGMENT.exec(segment);
      const name = m?.[1] ?? segment;
      const suffix = m?.[2]?.startsWith("{") ? m[2] : "";
      return `${name}${suffix}`;
    })
    .join("/");
}

/** One execution scope of a node: the step key without the last segment's "#n" (re-entry counter). */
const instanceOf = (key: string) => key.replace(/#\d+$/, "");

/**
 * Status per node. Several steps can stand for one node: re-entries and redrives ("Train", "Train#2") —
 * the latest one counts, marked "retried" when it succeeded after an earlier failure or with retries —
 * and Map iterations, where the most severe of the iterations' latest states wins.
 * With `iteration`, only steps of that Map iteration (and top-level steps) are counted.
 */
export function nodeStates(steps: readonly StepLike[], options: { iteration?: number } = {}): Map<string, NodeState> {
  type Group = { instances: Map<string, StepLike[]>; all: StepLike[] };
  const groups = new Map<string, Group>();
  for (const step of steps) {
    if (
      options.iteration !== undefined &&
      step.mapIterationIndex !== null &&
      step.mapIterationIndex !== options.iteration
    ) {
      continue;
    }
    const id = nodeIdForStepKey(step.key);
    let group = groups.get(id);
    if (!group) {
      group = { instances: new Map(), all: [] };
      groups.set(id, group);
    }
    group.all.push(step);
    const instance = instanceOf(step.key);
    const list = group.instances.get(instance) ?? [];
    list.push(step);
    group.instances.set(instance, list);
  }
  const out = new Map<string, NodeState>();
  for (const [id, group] of groups) {
    const counts: Partial<Record<NodeStatus, number>> = {};
    let maxAttempts = 1;
    let running: StepLike | null = null;
    let latest: StepLike | null = null;
    for (const executions of group.instances.values()) {
      executions.sort((a, b) => a.enteredAt.localeCompare(b.enteredAt));
      const last = executions[executions.length - 1];
      if (!last) continue;
      let status = STEP_TO_NODE[last.status] ?? "succeeded";
      const retried = last.attempts > 1 || executions.length > 1;
      if (status === "succeeded" && retried) status = "retried";
      counts[status] = (counts[status] ?? 0) + 1;
      if (last.status === "RUNNING" && !running) running = last;
      if (!latest || last.enteredAt > latest.enteredAt) latest = last;
    }
    for (const step of group.all) maxAttempts = Math.max(maxAttempts, step.attempts);
    const status = SEVERITY.find((s) => (counts[s] ?? 0) > 0) ?? "not-started";
    const pick = running ?? latest;
    out.set(id, { status, executions: group.all.length, counts, maxAttempts, stepKey: pick?.key ?? "" });
  }
  return out;
}

/** Container nodes (Map, Parallel, branch) take the status of their children when they have none. */
export function withContainerStates(model: GraphModel, states: Map<string, NodeState>): Map<string, NodeState> {
  const out = new Map(states);
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const resolve = (id: string): NodeState | undefined => {
    const own = out.get(id);
    if (own) return own;
    const node = byId.get(id);
    if (!node || node.children.length === 0) return undefined;
    const childStates = node.children.map(resolve).filter((s): s is NodeState => Boolean(s));
    if (childStates.length === 0) return undefined;
    const status = SEVERITY.find((s) => childStates.some((c) => c.status === s)) ?? "not-started";
    const state: NodeState = {
      status,
      executions: 0,
      counts: {},
      maxAttempts: 1,
      stepKey: childStates.find((c) => c.status === status)?.stepKey ?? "",
    };
    out.set(id, state);
    return state;
  };
  for (const node of model.nodes) resolve(node.id);
  return out;
}

/** What withMapRunStates needs of a Map Run (lib/runs/schema.ts MapRunSummary). */
export type MapRunLike = {
  stepKey: string;
  status: string;
  itemCounts: {
    total: number;
    succeeded: number;
    failed: number;
    timedOut: number;
    aborted: number;
    running: number;
    pending: number;
  };
};

/** "8 of 8 items succeeded", "5 of 8 items succeeded, 2 failed, 1 running". */
export function mapRunText(run: MapRunLike): string {
  const c = run.itemCounts;
  const parts = [`${c.succeeded} of ${c.total} item${c.total === 1 ? "" : "s"} succeeded`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.timedOut) parts.push(`${c.timedOut} timed out`);
  if (c.aborted) parts.push(`${c.aborted} aborted`);
  if (c.running) parts.push(`${c.running} running`);
  if (c.pending) parts.push(`${c.pending} pending`);
  return parts.join(", ");
}

function mapRunStatus(run: MapRunLike): NodeStatus {
  const c = run.itemCounts;
  if (run.status === "RUNNING") return "running";
  if (c.failed || c.timedOut) return run.status === "SUCCEEDED" ? "caught" : "failed";
  if (c.aborted || run.status === "ABORTED") return "aborted";
  if (run.status === "FAILED") return "failed";
  return "succeeded";
}

/**
 * The states inside a distributed Map ran in its Map Run's child executions, so the run's own steps leave
 * them "not started": they take the Map Run's aggregate instead (status, per-status item counts, the text).
 * A Map run several times (redrive, loop) is shown by its latest Map Run. Apply before withContainerStates.
 */
export function withMapRunStates(
  model: GraphModel,
  states: Map<string, NodeState>,
  mapRuns: readonly MapRunLike[],
): Map<string, NodeState> {
  if (mapRuns.length === 0) return states;
  const out = new Map(states);
  for (const run of mapRuns) {
    const mapNode = nodeIdForStepKey(run.stepKey);
    const c = run.itemCounts;
    const counts: Partial<Record<NodeStatus, number>> = {};
    if (c.succeeded) counts.succeeded = c.succeeded;
    if (c.failed) counts.failed = c.failed;
    if (c.timedOut) counts["timed-out"] = c.timedOut;
    if (c.aborted) counts.aborted = c.aborted;
    if (c.running + c.pending) counts.running = c.running + c.pending;
    const state: NodeState = {
      status: mapRunStatus(run),
      executions: c.total,
      counts,
      maxAttempts: 1,
      stepKey: run.stepKey,
      mapRun: mapRunText(run),
    };
    for (const node of model.nodes) {
      if (!node.id.startsWith(`${mapNode}/`) || node.kind !== "state") continue;
      const own = out.get(node.id);
      if (own && own.status !== "not-started") continue;
      out.set(node.id, state);
    }
  }
  return out;
}
