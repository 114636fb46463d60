/**
 * A parsed run search (./parse.ts) as a SQL condition on `run r`, with every value a bind parameter: the SQL
 * text is assembled only from fixed fragments and `$n` placeholders, never from what the user typed.
 *
 * - `=`: a containment probe on the per-pipeline GIN jsonb_path_ops index (`r.input_doc @> '{"a":{"b":"x"}}'`),
 *   then the value at the path must not be an array (containment alone would also match an array holding the
 *   value; any other value that contains a candidate equals it). An unquoted number matches that JSON number
 *   (numerically, `0.010` = `0.01`) or the same text (SageMaker's hyperparameters are strings).
 * - `!=`: the field exists and is not that value. `~`: the value's text contains it, case-insensitively.
 * - `< <= > >=`: numerically when the literal is a number and the stored value is a number or a string that
 *   reads as one (others never match); otherwise as text (C collation: ISO dates order right).
 * - `exists` / `!exists`: the path is present (even as JSON null) / absent.
 * - text: the run's name contains it, or it is the run's public id (the runs table's search before issue 20).
 *
 * Speed at 100k runs in a pipeline (migration 20261130930000): `~`, `exists` and the ranges are preceded by a
 * trigram probe on the documents' JSON text (SEARCH_TEXT, GIN pg_trgm with the pipeline as first key), a
 * necessary condition only — `"<last key>": ` then the needle, which jsonb's text prints verbatim when it has no
 * `"`, `\` or control character — so a rare term reads a few runs and the exact check above decides. Every
 * condition is written so the planner's estimate stays near the truth (a selective-looking `= ANY(…)` on an
 * expression made it read every common-term match instead of the pipeline's newest runs, stopping early).
 */
import { NUMBER_PATTERN, type SearchField, type SearchNode, type SearchValue } from "./parse";

export type CompiledSearch = {
  sql: string;
  params: unknown[];
  /**
   * Every index probe of the condition is keyed by the pipeline as an equality (`=` terms only: containment, no
   * trigram probe): the caller may then state its pipeline range in a form the GIN indexes cannot use
   * (runsPageSql's `pipelineKeyed`). A range on a GIN index's btree_gin column is a partial match that reads the
   * pipeline's whole posting tree (100k runs: ~760 buffers, ~31 ms per probe), where the equality lets GIN skip
   * to the term's few runs.
   */
  pipelineKeyed: boolean;
};

export type CompileOptions = {
  /** The placeholder number of the pipeline id: containment probes then say `r.pipeline_id = $n` too. */
  pipelineParam?: number;
};

const COLUMN = { input: "r.input_doc", hp: "r.hyper_parameters" } as const;

/** The expression of the trigram index `run_search_text_idx`, exactly as the migration declares it. */
export const SEARCH_TEXT = "(coalesce(r.input_doc::text, '') || r.hyper_parameters::text)";

// jsonb's text escapes these, so a needle holding one is not printed verbatim (no probe then).
const jsonEscaped = (text: string) => [...text].some((c) => c === '"' || c === "\\" || c.charCodeAt(0) < 0x20);

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
export function compileSearch(
  tree: SearchNode | null,
  firstParam: number,
  options: CompileOptions = {},
): CompiledSearch | null {
  if (!tree) return null;
  const params: unknown[] = [];
  let contained = false;
  let trigram = false;
  // Redundant under the caller's own pipeline condition wherever it stands (AND, OR, NOT): it only keys the probe.
  const keyed = options.pipelineParam !== undefined ? `r.pipeline_id = $${options.pipelineParam} AND ` : "";
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
    const probes = values.map((v) => nested(field.path, v));
    if (probes.some((p) => p === null)) {
      return `${at(field)} = ANY(${bind(
        values.map((v) => JSON.stringify(v)),
        "jsonb[]",
      )})`;
    }
    const column = COLUMN[field.source];
    const contains = probes.map((p) => `${column} @> ${bind(JSON.stringify(p), "jsonb")}`).join(" OR ");
    return `((${keyed}(${contains})) AND jsonb_typeof(${at(field)}) <> 'array')`;
  };

  /**
   * `SEARCH_TEXT ILIKE '%"<key>": %<needle>%'`: true for every run whose value at the field's path contains the
   * needle (jsonb prints `"key": value`, the value's text verbatim when it has nothing to escape). Null when
   * it would not narrow anything down or could miss a run.
   */
  const probe = (field: SearchField, needle: string): string | null => {
    const key = field.path[field.path.length - 1];
    const parts: string[] = [];
    if (typeof key === "string" && !jsonEscaped(key)) parts.push(`"${likeEscape(key)}": `);
    if (needle && !jsonEscaped(needle)) parts.push(likeEscape(needle));
    if (parts.join("").replace(/[^\p{L}\p{N}]/gu, "").length < 3) return null;
    trigram = true;
    return `${SEARCH_TEXT} ILIKE ${bind(`%${parts.join("%")}%`, "text")}`;
  };
  const probed = (field: SearchField, needle: string, exact: string): string => {
    const p = probe(field, needle);
    return p ? `(${p} AND ${exact})` : exact;
  };

  const walk = (node: SearchNode): string => {
    switch (node.kind) {
      case "and":
      case "or":
        return `(${node.children.map(walk).join(node.kind === "and" ? " AND " : " OR ")})`;
      case "text":
        return `(r.name ILIKE ${bind(`%${likeEscape(node.value)}%`, "text")} OR r.public_id = ${bind(node.value, "text")})`;
      case "exists":
        if (node.negated) return `(${at(node.field)} IS NULL)`;
        return probed(node.field, "", `(${at(node.field)} IS NOT NULL)`);
      case "compare": {
        const { field, op, value } = node;
        if (op === "=") {
          contained = true;
          return equals(field, value);
        }
        if (op === "!=") return `(${at(field)} IS NOT NULL AND NOT ${equals(field, value)})`;
        if (op === "~")
          return probed(field, value.text, `(${textAt(field)} ILIKE ${bind(`%${likeEscape(value.text)}%`, "text")})`);
        if (value.numeric !== null && NUMBER_PATTERN.test(value.numeric))
          return probed(field, "", `(${numberOf(at(field))} ${op} ${bind(value.numeric, "numeric")})`);
        return probed(field, "", `(${textAt(field)} COLLATE "C" ${op} ${bind(value.text, "text")})`);
      }
    }
  };
  const sql = walk(tree);
  return { sql, params, pipelineKeyed: keyed !== "" && contained && !trigram };
}
