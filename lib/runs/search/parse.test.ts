import { describe, expect, it } from "vitest";
import { compileSearch } from "./compile";
import { parseSearch, SEARCH_LIMITS, SearchSyntaxError, sameValueQuery } from "./parse";

const errorOf = (query: string): SearchSyntaxError => {
  try {
    parseSearch(query);
  } catch (error) {
    if (error instanceof SearchSyntaxError) return error;
    throw error;
  }
  throw new Error(`parsed: ${query}`);
};

describe("parseSearch", () => {
  it("reads fields, operators and values, numbers only when unquoted", () => {
    expect(parseSearch("hp.learning_rate >= 0.01")).toEqual({
      kind: "compare",
      field: { source: "hp", path: ["learning_rate"], text: "hp.learning_rate" },
      op: ">=",
      value: { text: "0.01", quoted: false, numeric: "0.01" },
    });
    expect(parseSearch(`input.dataset.train[2].uri ~ "s3://b/2026-11"`)).toMatchObject({
      field: { source: "input", path: ["dataset", "train", 2, "uri"] },
      op: "~",
      value: { text: "s3://b/2026-11", quoted: true, numeric: null },
    });
    expect(parseSearch(`hp.x="0.5"`)).toMatchObject({ op: "=", value: { numeric: null, quoted: true } });
    expect(parseSearch("input.a<=-1e3")).toMatchObject({ op: "<=", value: { numeric: "-1e3" } });
    expect(parseSearch("input.a != 2026-11")).toMatchObject({ op: "!=", value: { numeric: null } });
    expect(parseSearch("input.a exists")).toEqual({
      kind: "exists",
      field: { source: "input", path: ["a"], text: "input.a" },
      negated: false,
    });
    expect(parseSearch("hp.eta !EXISTS")).toMatchObject({ kind: "exists", negated: true });
    expect(parseSearch("   ")).toBeNull();
  });

  it("binds AND tighter than OR, and parentheses override it", () => {
    const kinds = (node: ReturnType<typeof parseSearch>): unknown =>
      node && (node.kind === "and" || node.kind === "or")
        ? { [node.kind]: node.children.map(kinds) }
        : node?.kind === "text"
          ? node.value
          : node?.kind;
    expect(kinds(parseSearch("a OR b AND c"))).toEqual({ or: ["a", { and: ["b", "c"] }] });
    expect(kinds(parseSearch("(a OR b) and c"))).toEqual({ and: [{ or: ["a", "b"] }, "c"] });
    expect(kinds(parseSearch("a b OR c"))).toEqual({ or: [{ and: ["a", "b"] }, "c"] });
    expect(kinds(parseSearch(`"x y" or hp.a exists`))).toEqual({ or: ["x y", "exists"] });
  });

  it("points at the position of what it did not expect", () => {
    expect(errorOf("hp.a = 1 AND hp.b = 2)").message).toBe("unexpected ')' at 22");
    expect(errorOf("hp.a = 1 AND hp.b = 2)").position).toBe(22);
    expect(errorOf("(hp.a = 1").message).toBe("unexpected end of query at 10, expected ')' to close the '(' at 1");
    expect(errorOf("hp.a 1").message).toMatch(/^unexpected '1' at 6, expected an operator after hp.a/);
    expect(errorOf("hp.a =").message).toBe("unexpected end of query at 7, expected a value after hp.a =");
    expect(errorOf("hp.a = )").message).toBe("unexpected ')' at 8, expected a value after hp.a =");
    expect(errorOf("AND hp.a = 1").message).toMatch(/^unexpected 'AND' at 1/);
    expect(errorOf(`input.a = "open`).message).toBe("unterminated string starting at 11");
    expect(errorOf("inputs.a = 1").message).toBe("unknown field 'inputs.a' at 1: fields start with input. or hp.");
    expect(errorOf("input.a! = 1").position).toBe(8);
    expect(errorOf("input.a[x] = 1").message).toBe("'[x]' at 8 is not an array index");
    expect(errorOf("input.a..b = 1").message).toMatch(/is not a key/);
    expect(errorOf("input.a;DROP = 1").message).toMatch(/'a;DROP' at 7 is not a key/);
    expect(errorOf("hp.a = 1 = 2").message).toMatch(/^unexpected '=' at 10/);
  });

  it("refuses queries that are too long, too deep or have too many terms", () => {
    expect(errorOf("x".repeat(5000)).message).toBe(`the query is longer than ${SEARCH_LIMITS.length} characters`);
    const deep = `${"(".repeat(SEARCH_LIMITS.depth + 1)}a${")".repeat(SEARCH_LIMITS.depth + 1)}`;
    expect(errorOf(deep).message).toBe(
      `parentheses nested deeper than ${SEARCH_LIMITS.depth} at ${SEARCH_LIMITS.depth + 1}`,
    );
    const fine = `${"(".repeat(SEARCH_LIMITS.depth)}a${")".repeat(SEARCH_LIMITS.depth)}`;
    expect(parseSearch(fine)).toEqual({ kind: "text", value: "a" });
    const many = Array.from({ length: SEARCH_LIMITS.terms + 1 }, (_, i) => `hp.a = ${i}`).join(" OR ");
    expect(errorOf(many).message).toMatch(new RegExp(`^more than ${SEARCH_LIMITS.terms} terms at \\d+$`));
    expect(errorOf(`input${".a".repeat(SEARCH_LIMITS.pathSegments + 1)} exists`).message).toMatch(/deeper than/);
  });
});

describe("compileSearch", () => {
  it("keeps every value out of the SQL text, whatever it looks like", () => {
    const hostile = `'; DROP TABLE run; --`;
    const compiled = compileSearch(
      parseSearch(`input.a = "${hostile}" OR hp.b ~ "%_\\\\" OR "${hostile}" OR input.c < "z'" AND input.d >= 5`),
      9,
    );
    expect(compiled?.sql).not.toContain("DROP");
    expect(compiled?.sql).not.toContain("'z");
    // The equality's containment probe (`input_doc @> $n`) carries the value as JSON.
    expect(compiled?.params).toContain(JSON.stringify({ a: hostile }));
    expect(compiled?.params).toContain(hostile);
    expect(compiled?.params).toContain("%\\%\\_\\\\%");
    // Placeholders are numbered from the first one given, one per parameter.
    const placeholders = [...(compiled?.sql.matchAll(/\$(\d+)/g) ?? [])].map((m) => Number(m[1]));
    expect(Math.min(...placeholders)).toBe(9);
    expect(Math.max(...placeholders)).toBe(9 + (compiled?.params.length ?? 0) - 1);
    expect(compileSearch(null, 1)).toBeNull();
  });
});

describe("sameValueQuery", () => {
  it("writes the query that finds the same value, quoting when it must", () => {
    expect(sameValueQuery("hp", ["learning_rate"], "0.01")).toBe("hp.learning_rate = 0.01");
    expect(sameValueQuery("input", ["dataset", "train"], "s3://b/x")).toBe("input.dataset.train = s3://b/x");
    expect(sameValueQuery("input", ["items", 0, "id"], 7)).toBe("input.items[0].id = 7");
    expect(sameValueQuery("input", ["a"], 'say "hi" now')).toBe('input.a = "say \\"hi\\" now"');
    expect(sameValueQuery("input", ["a"], "OR")).toBe('input.a = "OR"');
    expect(sameValueQuery("input", ["a"], { b: 1 })).toBe("input.a exists");
    expect(sameValueQuery("input", ["a b"], 1)).toBeNull();
    for (const [source, path, value] of [
      ["hp", ["eta"], "0.2"],
      ["input", ["a"], 'x"y\\z'],
      ["input", ["flag"], true],
    ] as const) {
      const query = sameValueQuery(source, [...path], value);
      expect(query && parseSearch(query)).toMatchObject({ kind: "compare", op: "=" });
    }
  });
});
