import { describe, expect, it } from "vitest";
import { flatten, requestedFormat, toCsv } from "./csv";

describe("CSV answers", () => {
  it("writes one row per item with nested objects as dotted columns, RFC 4180 quoting and CRLF", () => {
    const csv = toCsv({
      name: "runs",
      leading: ["id"],
      rows: [
        { name: 'nightly, "full"', id: "r1", metrics: { "validation:auc": 0.91 }, hp: { eta: "0.1" }, tags: ["a"] },
        { id: "r2", name: "line\nbreak", metrics: { "validation:auc": -0.5, loss: 1e-7 }, model: null },
      ],
    });
    expect(csv).toBe(
      [
        "id,name,metrics.validation:auc,hp.eta,tags,metrics.loss,model",
        'r1,"nightly, ""full""",0.91,0.1,"[""a""]",,',
        'r2,"line\nbreak",-0.5,,,1e-7,',
        "",
      ].join("\r\n"),
    );
  });

  it("defuses text a spreadsheet would run as a formula, but never numbers", () => {
    const csv = toCsv({ name: "x", rows: [{ a: "=HYPERLINK(1)", b: "+1", c: "@SUM(A1)", d: -3, e: "-x" }] });
    expect(csv.split("\r\n")[1]).toBe("'=HYPERLINK(1),'+1,'@SUM(A1),-3,'-x");
  });

  it("flattens deeply and leaves arrays whole", () => {
    expect(flatten({ a: { b: { c: 1 } }, d: [1, 2], e: null })).toEqual({ "a.b.c": 1, d: [1, 2], e: null });
  });

  it.each([
    [undefined, null, "json"],
    [undefined, "text/csv", "csv"],
    [undefined, "application/json, text/csv", "json"],
    [undefined, "text/csv, application/json;q=0.9", "csv"],
    [undefined, "text/csv;q=0.5, application/json", "json"],
    [undefined, "text/csv;q=0", "json"],
    [undefined, "*/*", "json"],
    ["csv", "application/json", "csv"],
    ["json", "text/csv", "json"],
    ["xml", null, null],
  ])("format=%s with Accept %s → %s", (format, accept, expected) => {
    expect(requestedFormat(format, accept)).toBe(expected);
  });
});
