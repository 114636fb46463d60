/**
 * A parsed run search (./parse.ts) as a SQL condition on `run r`, with every value a bind parameter: the SQL
 * text is assembled only from fixed fragments and `$n` placeholders, never from what the user typed.
 *
 * - `=`: a containment probe on the GIN jsonb_path_ops index (`r.input_doc @> '{"a":{"b":"x"}}'`), then the
 *   exact value at the path (containment alone would also match an array holding the value). An unquoted
 *   number matches that JSON number (numerically, `0.010` = `0.01`) or the same text (SageMaker's
 *   hyperparameters are strings).
 * - `!=`: the field exists and is not that value. `~`: the value's text contains it, case-insensitively.
 * - `< <= > >=`: numerically when the literal is a number and the stored value is a number or a string that
 *   reads as one (others never match); otherwise as text (C collation: ISO dates order right).
 * - `exists` / `!exists`: the path is present (even as JSON null) / absent.
 * - text: the run's name contains it, or it is the run's public id (the runs table's search before issue 20).
 */
import { NUMBER_PATTERN, type SearchField, type SearchNode, type SearchValue } from "./parse";

export type CompiledSearch = { sql: string; params: unknown[] };

const COLUMN = { input: "r.input_doc", hp: "r.hyper_parameters" } as const;

// The same number syntax as the parser's literals, as a Postgres regular expression.
const PG_NUMBER = String.raw`^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,3})?\s*$`;

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `{"a":{"b":value}}` for a path of keys; null when the path has an array index (no containment probe). */
function nested(path: (string | number)[], value: unknown): unknown | null {
  let out: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) {
    const key = path[i];
    if (typeof key !== "string") return null;
    out = { [key]: out };
  }
  return out;
}

/** The JSON values an `=` literal stands for. */
function candidates(value: SearchValue): unknown[] {
  const out: unknown[] = [value.text];
  if (value.numeric !== null) {
    const n = Number(value.numeric);
    if (Number.isFinite(n)) out.push(n);
  }
  if (!value.quoted) {
    const literal = { true: true, false: false, null: null }[value.text.toLowerCase()];
    if (literal !== undefined) out.push(literal);
  }
  return out;
}

/**
 * Compiles the tree into a condition whose placeholders start at `$<firstParam>`.
 * Returns null for an empty query (no condition).
 */
export function compileSearch(tree: SearchNode | null, firstParam: number): CompiledSearch | null {
  if (!tree) return null;
  const params: unknown[] = [];
  const bind = (value: unknown, cast: string) => {
    params.push(value);
    return `$${firstParam + params.length - 1}::${cast}`;
  };
  const at = (field: SearchField) => `(${COLUMN[field.source]} #> ${bind(field.path.map(String), "text[]")})`;
  const textAt = (field: SearchField) => `(${COLUMN[field.source]} #>> ${bind(field.path.map(String), "text[]")})`;
  const numberOf = (jsonb: string) =>
    `(CASE jsonb_typeof(${jsonb}) WHEN 'number' THEN (${jsonb} #>> '{}')::numeric ` +
    `WHEN 'string' THEN CASE WHEN (${jsonb} #>> '{}') ~ ${bind(PG_NUMBER, "text")} THEN (${jsonb} #>> '{}')::numeric END END)`;

  const equals = (field: SearchField, value: SearchValue): string => {
    const values = candidates(value);
    const exact = `${at(field)} = ANY(${bind(
      values.map((v) => JSON.stringify(v)),
      "jsonb[]",
    )})`;
    const probes = values.map((v) => nested(field.path, v));
    if (probes.some((p) => p === null)) return exact;
    const column = COLUMN[field.source];
    const contains = probes.map((p) => `${column} @> ${bind(JSON.stringify(p), "jsonb")}`).join(" OR ");
    return `((${contains}) AND ${exact})`;
  };

  const walk = (node: SearchNode): string => {
    switch (node.kind) {
      case "and":
      case "or":
        return `(${node.children.map(walk).join(node.kind === "and" ? " AND " : " OR ")})`;
      case "text":
        return `(r.name ILIKE ${bind(`%${likeEscape(node.value)}%`, "text")} OR r.public_id = ${bind(node.value, "text")})`;
      case "exists":
        return `(${at(node.field)} IS ${node.negated ? "" : "NOT "}NULL)`;
      case "compare": {
        const { field, op, value } = node;
        if (op === "=") return equals(field, value);
        if (op === "!=") return `(${at(field)} IS NOT NULL AND NOT ${equals(field, value)})`;
        if (op === "~") return `(${textAt(field)} ILIKE ${bind(`%${likeEscape(value.text)}%`, "text")})`;
        if (value.numeric !== null && NUMBER_PATTERN.test(value.numeric))
          return `(${numberOf(at(field))} ${op} ${bind(value.numeric, "numeric")})`;
        return `(${textAt(field)} COLLATE "C" ${op} ${bind(value.text, "text")})`;
      }
    }
  };
  return { sql: walk(tree), params };
}
