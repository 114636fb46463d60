/** Choice rule evaluation (the JSONPath comparison operators, And/Or/Not, Is* type tests). */
import { isObject, type Json, type JsonObject } from "../util";
import { StatesError, tryReadPath } from "./paths";

const ops = ["String", "Numeric", "Timestamp"] as const;

export function matchesRule(rule: JsonObject, input: Json, context: Json): boolean {
  if (Array.isArray(rule.And)) return rule.And.every((r) => isObject(r) && matchesRule(r, input, context));
  if (Array.isArray(rule.Or)) return rule.Or.some((r) => isObject(r) && matchesRule(r, input, context));
  if (isObject(rule.Not)) return !matchesRule(rule.Not, input, context);
  if (typeof rule.Variable !== "string") throw new StatesError("States.Runtime", "Choice rule without Variable");
  const value = tryReadPath(rule.Variable, input, context);

  if ("IsPresent" in rule) return (value !== undefined) === rule.IsPresent;
  if (value === undefined) {
    throw new StatesError(
      "States.Runtime",
      `Invalid path '${rule.Variable}': The choice state's condition path references an invalid value.`,
    );
  }
  if ("IsNull" in rule) return (value === null) === rule.IsNull;
  if ("IsString" in rule) return (typeof value === "string") === rule.IsString;
  if ("IsNumeric" in rule) return (typeof value === "number") === rule.IsNumeric;
  if ("IsBoolean" in rule) return (typeof value === "boolean") === rule.IsBoolean;
  if ("IsTimestamp" in rule)
    return (typeof value === "string" && !Number.isNaN(Date.parse(value))) === rule.IsTimestamp;
  if ("BooleanEquals" in rule) return value === rule.BooleanEquals;
  if (typeof rule.BooleanEqualsPath === "string") return value === tryReadPath(rule.BooleanEqualsPath, input, context);
  if (typeof rule.StringMatches === "string") {
    if (typeof value !== "string") return false;
    const re = new RegExp(`^${rule.StringMatches.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
    return re.test(value);
  }

  for (const kind of ops) {
    for (const cmp of ["Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"] as const) {
      const literal = rule[`${kind}${cmp}`];
      const viaPath = rule[`${kind}${cmp}Path`];
      const other =
        literal !== undefined
          ? literal
          : typeof viaPath === "string"
            ? tryReadPath(viaPath, input, context)
            : undefined;
      if (literal === undefined && viaPath === undefined) continue;
      const [a, b] = coerce(kind, value, other);
      if (a === undefined || b === undefined) return false;
      switch (cmp) {
        case "Equals":
          return a === b;
        case "LessThan":
          return a < b;
        case "GreaterThan":
          return a > b;
        case "LessThanEquals":
          return a <= b;
        case "GreaterThanEquals":
          return a >= b;
      }
    }
  }
  throw new StatesError("States.Runtime", `Unsupported choice rule: ${JSON.stringify(rule)}`);
}

function coerce(
  kind: (typeof ops)[number],
  a: Json | undefined,
  b: Json | undefined,
): [number | string | undefined, number | string | undefined] {
  if (kind === "Numeric") return [typeof a === "number" ? a : undefined, typeof b === "number" ? b : undefined];
  if (kind === "String") return [typeof a === "string" ? a : undefined, typeof b === "string" ? b : undefined];
  const ts = (v: Json | undefined) =>
    typeof v === "string" && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : undefined;
  return [ts(a), ts(b)];
}
