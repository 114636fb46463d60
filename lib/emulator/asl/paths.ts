/**
 * The data-flow half of ASL: reference paths ($.a.b[0]), the context object ($$), payload templates
 * (`"key.$"` entries) and the intrinsic functions the demo and common pipelines use.
 */
import { isObject, type Json, type JsonObject } from "../util";

export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly errorCause: string,
  ) {
    super(`${error}: ${errorCause}`);
  }
}

type Segment = string | number | "*";

function parsePath(path: string): { root: "$" | "$$"; segments: Segment[] } {
  const root = path.startsWith("$$") ? "$$" : "$";
  if (!path.startsWith("$")) throw new StatesError("States.Runtime", `Invalid JSONPath: ${path}`);
  const segments: Segment[] = [];
  let i = root.length;
  while (i < path.length) {
    const c = path[i];
    if (c === ".") {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!m) throw new StatesError("States.Runtime", `Invalid JSONPath: ${path}`);
      segments.push(m[0] === "*" ? "*" : m[0]);
      i += 1 + m[0].length;
    } else if (c === "[") {
      const close = path.indexOf("]", i);
      if (close < 0) throw new StatesError("States.Runtime", `Invalid JSONPath: ${path}`);
      const inner = path.slice(i + 1, close).trim();
      if (inner === "*") segments.push("*");
      else if (/^-?\d+$/.test(inner)) segments.push(Number(inner));
      else if (/^'.*'$|^".*"$/.test(inner)) segments.push(inner.slice(1, -1));
      else throw new StatesError("States.Runtime", `Unsupported JSONPath: ${path}`);
      i = close + 1;
    } else {
      throw new StatesError("States.Runtime", `Invalid JSONPath: ${path}`);
    }
  }
  return { root, segments };
}

const MISSING = Symbol("missing");

function walk(value: Json | typeof MISSING, segments: Segment[]): Json | typeof MISSING {
  let cur: Json | typeof MISSING = value;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s];
    if (cur === MISSING || seg === undefined) return MISSING;
    if (seg === "*") {
      if (!Array.isArray(cur)) return MISSING;
      const rest = segments.slice(s + 1);
      return cur.map((item) => walk(item, rest)).filter((v): v is Json => v !== MISSING);
    }
    if (typeof seg === "number") {
      if (!Array.isArray(cur)) return MISSING;
      const item: Json | undefined = cur[seg < 0 ? cur.length + seg : seg];
      cur = item === undefined ? MISSING : item;
    } else {
      if (!isObject(cur) || !(seg in cur)) return MISSING;
      cur = cur[seg] ?? null;
    }
  }
  return cur;
}

/** Resolves a reference path; a missing field is a States.Runtime error as in AWS. */
export function readPath(path: string, input: Json, context: Json): Json {
  const { root, segments } = parsePath(path);
  const v = walk(root === "$$" ? context : input, segments);
  if (v === MISSING) {
    throw new StatesError(
      "States.Runtime",
      `The JSONPath '${path}' could not be found in the input '${JSON.stringify(input)}'`,
    );
  }
  return v;
}

export function tryReadPath(path: string, input: Json, context: Json): Json | undefined {
  const { root, segments } = parsePath(path);
  const v = walk(root === "$$" ? context : input, segments);
  return v === MISSING ? undefined : v;
}

/** ResultPath: writes `value` into a copy of `input` at `path` (null discards the result). */
export function writePath(path: string | null | undefined, input: Json, value: Json): Json {
  if (path === null) return input;
  if (path === undefined || path === "$") return value;
  const { segments } = parsePath(path);
  const root: Json = isObject(input) ? structuredClone(input) : {};
  let cur: JsonObject = root as JsonObject;
  segments.forEach((seg, i) => {
    if (typeof seg !== "string" || seg === "*") throw new StatesError("States.Runtime", `Invalid ResultPath: ${path}`);
    if (i === segments.length - 1) {
      cur[seg] = value;
      return;
    }
    const nextVal = cur[seg];
    if (!isObject(nextVal)) cur[seg] = {};
    cur = cur[seg] as JsonObject;
  });
  return root;
}

/** InputPath / OutputPath: null means `{}`, absent means `$`. */
export function selectPath(path: string | null | undefined, input: Json, context: Json): Json {
  if (path === null) return {};
  if (path === undefined || path === "$") return input;
  return readPath(path, input, context);
}

// ---------------------------------------------------------------------------------------------
// Payload templates (Parameters, ItemSelector, ResultSelector)

export interface IntrinsicEnv {
  uuid: () => string;
}

export function evalTemplate(template: Json, input: Json, context: Json, env: IntrinsicEnv): Json {
  if (Array.isArray(template)) return template.map((t) => evalTemplate(t, input, context, env));
  if (!isObject(template)) return template;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith(".$")) {
      if (typeof value !== "string")
        throw new StatesError("States.Runtime", `Value of '${key}' must be a path or intrinsic`);
      out[key.slice(0, -2)] = value.startsWith("States.")
        ? evalIntrinsic(value, input, context, env)
        : readPath(value, input, context);
    } else {
      out[key] = evalTemplate(value, input, context, env);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Intrinsic functions: a tiny recursive-descent parser over `States.Fn(arg, ...)`.

type Arg = Json;

export function evalIntrinsic(expr: string, input: Json, context: Json, env: IntrinsicEnv): Json {
  let i = 0;
  const fail = (m: string): never => {
    throw new StatesError("States.IntrinsicFailure", `${m} in '${expr}'`);
  };
  const ws = () => {
    while (expr[i] === " ") i++;
  };
  const parseCall = (): Json => {
    const m = /^States\.[A-Za-z0-9]+/.exec(expr.slice(i));
    if (!m) return fail("expected function name");
    i += m[0].length;
    ws();
    if (expr[i] !== "(") fail("expected '('");
    i++;
    const args: Arg[] = [];
    ws();
    while (expr[i] !== ")") {
      args.push(parseArg());
      ws();
      if (expr[i] === ",") i++;
      else if (expr[i] !== ")") fail("expected ',' or ')'");
      ws();
      if (i >= expr.length) fail("unterminated call");
    }
    i++;
    return apply(m[0], args);
  };
  const parseArg = (): Arg => {
    ws();
    const c = expr[i];
    if (c === "'") {
      let s = "";
      i++;
      while (i < expr.length && expr[i] !== "'") {
        if (expr[i] === "\\") i++;
        s += expr[i];
        i++;
      }
      if (expr[i] !== "'") fail("unterminated string");
      i++;
      return s;
    }
    if (c === "$") {
      const m = /^\$\$?[^,) ]*/.exec(expr.slice(i));
      if (!m) return fail("bad path");
      i += m[0].length;
      return readPath(m[0], input, context);
    }
    if (expr.startsWith("States.", i)) return parseCall();
    const m = /^(-?\d+(\.\d+)?|true|false|null)/.exec(expr.slice(i));
    if (!m) return fail("unexpected token");
    i += m[0].length;
    return JSON.parse(m[0]) as Json;
  };
  const apply = (fn: string, args: Arg[]): Json => {
    switch (fn) {
      case "States.Format": {
        const [fmt, ...rest] = args;
        if (typeof fmt !== "string") return fail("States.Format needs a string template");
        let n = 0;
        return fmt.replace(/\{\}/g, () => {
          const v = rest[n++];
          if (v === undefined) fail("too few arguments");
          return typeof v === "string" ? v : JSON.stringify(v);
        });
      }
      case "States.StringToJson":
        if (typeof args[0] !== "string") return fail("States.StringToJson needs a string");
        return JSON.parse(args[0]) as Json;
      case "States.JsonToString":
        return JSON.stringify(args[0] ?? null);
      case "States.Array":
        return args;
      case "States.ArrayLength":
        return Array.isArray(args[0]) ? args[0].length : fail("States.ArrayLength needs an array");
      case "States.ArrayGetItem": {
        const [arr, idx] = args;
        if (!Array.isArray(arr) || typeof idx !== "number") return fail("bad arguments");
        return arr[idx] ?? null;
      }
      case "States.MathAdd": {
        const [a, b] = args;
        if (typeof a !== "number" || typeof b !== "number") return fail("States.MathAdd needs numbers");
        return a + b;
      }
      case "States.UUID":
        return env.uuid();
      default:
        return fail(`unsupported intrinsic ${fn}`);
    }
  };
  const value = parseCall();
  ws();
  if (i !== expr.length) fail("trailing characters");
  return value;
}
