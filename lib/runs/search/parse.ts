/**
 * The run search language (issue 20): `input.dataset.train ~ 2026-11 AND (hp.learning_rate >= 0.01 OR hp.eta exists)`.
 *
 *   query   := or
 *   or      := and ( OR and )*
 *   and     := primary ( [AND] primary )*          adjacent terms are AND-ed, so `nightly eu` still finds names
 *   primary := '(' or ')' | field op value | field exists | field !exists | word | "quoted text"
 *   field   := input(.ident | [index])+ | hp.<name>
 *   op      := = | != | ~ | < | <= | > | >=
 *
 * A bare word or quoted text is the runs table's old text search (name contains it, or the run's public id).
 * Hand-written (a tokenizer and a recursive-descent parser) rather than a parser generator: the grammar is
 * a dozen lines and what users need most is an error that points at the position, which we word ourselves.
 * Pure: shared by the zod schema (a 400 before any query), the SQL compiler and the page's search box.
 */

export const SEARCH_LIMITS = { length: 1000, terms: 32, depth: 12, pathSegments: 16, arrayIndex: 100_000 } as const;

export const SEARCH_OPS = ["=", "!=", "~", "<", "<=", ">", ">="] as const;
export type SearchOp = (typeof SEARCH_OPS)[number];

export type SearchField = {
  source: "input" | "hp";
  /** JSON path inside the run's input (keys and array indexes), or the hyperparameter's name alone. */
  path: (string | number)[];
  /** As written, for messages. */
  text: string;
};

/**
 * A literal: `numeric` is its text when it was written unquoted and reads as a number (compared as numbers);
 * an unquoted `true`, `false` or `null` also matches that JSON value.
 */
export type SearchValue = { text: string; quoted: boolean; numeric: string | null };

export type SearchNode =
  | { kind: "and" | "or"; children: SearchNode[] }
  | { kind: "compare"; field: SearchField; op: SearchOp; value: SearchValue }
  | { kind: "exists"; field: SearchField; negated: boolean }
  | { kind: "text"; value: string };

/** A query the parser refused, with the 1-based character position it points at. */
export class SearchSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = "SearchSyntaxError";
    this.position = position;
  }
}

type Token =
  | { type: "(" | ")" | "and" | "or" | "exists" | "!exists" | "end"; at: number; raw: string }
  | { type: "op"; op: SearchOp; at: number; raw: string }
  | { type: "word"; value: string; at: number; raw: string }
  | { type: "string"; value: string; at: number; raw: string };

/** Numbers as JSON writes them (and a leading `+`/`.`), with a bounded exponent so Postgres' numeric takes them. */
export const NUMBER_PATTERN = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?$/;

const WORD_STOP = /[\s()"'=<>~!]/;

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query.charAt(i);
    const at = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      tokens.push({ type: c, at, raw: c });
      i++;
    } else if (c === '"' || c === "'") {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= query.length) throw new SearchSyntaxError(`unterminated string starting at ${at}`, at);
        const d = query.charAt(j);
        if (d === "\\" && j + 1 < query.length) {
          value += query.charAt(j + 1);
          j += 2;
        } else if (d === c) {
          j++;
          break;
        } else {
          value += d;
          j++;
        }
      }
      tokens.push({ type: "string", value, at, raw: query.slice(i, j) });
      i = j;
    } else if (c === "!" && query.slice(i + 1, i + 7).toLowerCase() === "exists" && !isWordChar(query.charAt(i + 7))) {
      tokens.push({ type: "!exists", at, raw: query.slice(i, i + 7) });
      i += 7;
    } else if ("=<>~!".includes(c)) {
      const two = query.slice(i, i + 2);
      const op = (["<=", ">=", "!="] as const).find((o) => o === two) ?? (c === "!" ? null : (c as SearchOp));
      if (!op) throw new SearchSyntaxError(`unexpected '!' at ${at} (use != or !exists)`, at);
      tokens.push({ type: "op", op, at, raw: op });
      i += op.length;
    } else {
      let j = i;
      while (j < query.length && !WORD_STOP.test(query.charAt(j))) j++;
      const raw = query.slice(i, j);
      const lower = raw.toLowerCase();
      if (lower === "and" || lower === "or" || lower === "exists") tokens.push({ type: lower, at, raw });
      else tokens.push({ type: "word", value: raw, at, raw });
      i = j;
    }
  }
  tokens.push({ type: "end", at: query.length + 1, raw: "" });
  return tokens;
}

const isWordChar = (c: string) => c !== "" && !WORD_STOP.test(c);

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const HP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;

/** `input.a.b[0]` / `hp.learning_rate` as a field, null when the word does not name one. */
function parseField(word: string, at: number): SearchField | null {
  if (word.startsWith("hp.")) {
    const name = word.slice(3);
    if (!HP_NAME.test(name)) throw new SearchSyntaxError(`'${name}' at ${at + 3} is not a hyperparameter name`, at + 3);
    return { source: "hp", path: [name], text: word };
  }
  if (!/^input[.[]/.test(word)) return null;
  const path: (string | number)[] = [];
  const re = /\.([^.[\]]*)|\[([^\]]*)\]/y;
  re.lastIndex = 5;
  while (re.lastIndex < word.length) {
    const offset = re.lastIndex;
    const m = re.exec(word);
    if (!m)
      throw new SearchSyntaxError(`unexpected '${word.charAt(offset)}' in ${word} at ${at + offset}`, at + offset);
    if (m[1] !== undefined) {
      if (!IDENT.test(m[1]))
        throw new SearchSyntaxError(
          `'${m[1]}' at ${at + offset + 1} is not a key (letters, digits, _ and -)`,
          at + offset + 1,
        );
      path.push(m[1]);
    } else {
      const index = m[2] ?? "";
      if (!/^\d{1,6}$/.test(index) || Number(index) > SEARCH_LIMITS.arrayIndex)
        throw new SearchSyntaxError(`'[${index}]' at ${at + offset} is not an array index`, at + offset);
      path.push(Number(index));
    }
    if (path.length > SEARCH_LIMITS.pathSegments)
      throw new SearchSyntaxError(`path ${word} at ${at} is deeper than ${SEARCH_LIMITS.pathSegments}`, at);
  }
  return { source: "input", path, text: word };
}

const shown = (token: Token) => (token.type === "end" ? "end of query" : `'${token.raw.slice(0, 40)}'`);

/** The query as a tree, or null when it is blank. Throws SearchSyntaxError. */
export function parseSearch(query: string): SearchNode | null {
  if (query.length > SEARCH_LIMITS.length)
    throw new SearchSyntaxError(
      `the query is longer than ${SEARCH_LIMITS.length} characters`,
      SEARCH_LIMITS.length + 1,
    );
  const tokens = tokenize(query);
  let pos = 0;
  let terms = 0;
  const peek = (): Token => tokens[pos] ?? (tokens.at(-1) as Token);
  const next = (): Token => {
    const token = peek();
    if (token.type !== "end") pos++;
    return token;
  };
  const unexpected = (token: Token, expected?: string): never => {
    throw new SearchSyntaxError(
      `unexpected ${shown(token)} at ${token.at}${expected ? `, expected ${expected}` : ""}`,
      token.at,
    );
  };

  const parseOr = (depth: number): SearchNode => {
    const children = [parseAnd(depth)];
    while (peek().type === "or") {
      next();
      children.push(parseAnd(depth));
    }
    return children.length === 1 ? (children[0] as SearchNode) : { kind: "or", children };
  };

  const startsPrimary = (token: Token) => token.type === "(" || token.type === "word" || token.type === "string";

  const parseAnd = (depth: number): SearchNode => {
    const children = [parsePrimary(depth)];
    for (;;) {
      if (peek().type === "and") next();
      else if (!startsPrimary(peek())) break;
      children.push(parsePrimary(depth));
    }
    return children.length === 1 ? (children[0] as SearchNode) : { kind: "and", children };
  };

  const parsePrimary = (depth: number): SearchNode => {
    const token = next();
    if (token.type === "(") {
      if (depth >= SEARCH_LIMITS.depth)
        throw new SearchSyntaxError(`parentheses nested deeper than ${SEARCH_LIMITS.depth} at ${token.at}`, token.at);
      const inner = parseOr(depth + 1);
      const close = next();
      if (close.type !== ")") unexpected(close, `')' to close the '(' at ${token.at}`);
      return inner;
    }
    if (++terms > SEARCH_LIMITS.terms)
      throw new SearchSyntaxError(`more than ${SEARCH_LIMITS.terms} terms at ${token.at}`, token.at);
    if (token.type === "string") return { kind: "text", value: token.value };
    if (token.type !== "word") return unexpected(token, "a term (input.<path>, hp.<name> or text)");
    const field = parseField(token.value, token.at);
    if (!field) {
      if (peek().type === "op" || peek().type === "exists" || peek().type === "!exists")
        throw new SearchSyntaxError(
          `unknown field '${token.value.slice(0, 40)}' at ${token.at}: fields start with input. or hp.`,
          token.at,
        );
      return { kind: "text", value: token.value };
    }
    const op = next();
    if (op.type === "exists" || op.type === "!exists") return { kind: "exists", field, negated: op.type === "!exists" };
    if (op.type !== "op")
      return unexpected(op, `an operator after ${field.text} (=, !=, ~, <, <=, >, >=, exists, !exists)`);
    const value = next();
    if (value.type === "string")
      return { kind: "compare", field, op: op.op, value: { text: value.value, quoted: true, numeric: null } };
    if (value.type === "word")
      return {
        kind: "compare",
        field,
        op: op.op,
        value: { text: value.value, quoted: false, numeric: NUMBER_PATTERN.test(value.value) ? value.value : null },
      };
    return unexpected(value, `a value after ${field.text} ${op.op}`);
  };

  if (peek().type === "end") return null;
  const tree = parseOr(0);
  const rest = peek();
  if (rest.type !== "end") unexpected(rest);
  return tree;
}

/** The query that finds runs with the same value of one field (the run page's "runs with the same value"). */
export function sameValueQuery(source: "input" | "hp", path: (string | number)[], value: unknown): string | null {
  const field =
    source === "hp"
      ? `hp.${path[0]}`
      : `input${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;
  if (source === "hp" ? !HP_NAME.test(String(path[0])) : !path.every((p) => typeof p === "number" || IDENT.test(p)))
    return null;
  if (path.length === 0 || path.length > SEARCH_LIMITS.pathSegments) return null;
  if (value === null || typeof value === "object") return `${field} exists`;
  if (typeof value === "number" || typeof value === "boolean") return `${field} = ${String(value)}`;
  const text = String(value);
  // Hyperparameters are strings in SageMaker: an unquoted number matches the same text too (`= 0.01`).
  const keyword = /^(and|or|exists|true|false|null)$/i.test(text);
  if (NUMBER_PATTERN.test(text) || (/^[A-Za-z0-9_.:/-]+$/.test(text) && !keyword)) return `${field} = ${text}`;
  return `${field} = "${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
