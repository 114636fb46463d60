/**
 * CSV answers of the list endpoints, for notebooks (`pandas.read_csv(url)`): `?format=csv` or
 * `Accept: text/csv`. One row per item; nested objects become dotted columns (`metrics.validation:auc`,
 * `hyperparameters.eta`), so the runs list is already "wide". RFC 4180: CRLF line ends, fields with a comma,
 * quote or line break are quoted. Text that a spreadsheet would run as a formula (=, +, -, @ at the start) is
 * prefixed with an apostrophe; numbers are never touched.
 */

export type CsvTable = {
  /** File name offered in Content-Disposition, without extension. */
  name: string;
  rows: Record<string, unknown>[];
  /** Columns first in this order (the rest follow in first-seen order). */
  leading?: string[];
};

export type Format = "json" | "csv";

/** Nested plain objects → dotted keys; arrays → JSON text; null/undefined → empty. */
export function flatten(value: Record<string, unknown>, prefix = "", out: Record<string, unknown> = {}) {
  for (const [key, inner] of Object.entries(value)) {
    const column = prefix ? `${prefix}.${key}` : key;
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner) && !(inner instanceof Date)) {
      flatten(inner as Record<string, unknown>, column, out);
    } else {
      out[column] = inner;
    }
  }
  return out;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text: string;
  if (typeof value === "number") text = Number.isFinite(value) ? String(value) : "";
  else if (typeof value === "boolean") text = value ? "true" : "false";
  else if (value instanceof Date) text = value.toISOString();
  else if (Array.isArray(value)) text = JSON.stringify(value);
  else {
    text = String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(table: CsvTable): string {
  const rows = table.rows.map((row) => flatten(row));
  const columns: string[] = [];
  const seen = new Set<string>();
  const add = (column: string) => {
    if (!seen.has(column)) {
      seen.add(column);
      columns.push(column);
    }
  };
  for (const column of table.leading ?? []) add(column);
  for (const row of rows) for (const column of Object.keys(row)) add(column);
  const lines = [columns.map(cell).join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

export function csvResponse(table: CsvTable): Response {
  const filename = `${table.name.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 80) || "stepwise"}.csv`;
  return new Response(toCsv(table), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
}

/**
 * The format asked for: `format` (csv | json) wins; else an Accept header that rates text/csv above any JSON
 * type (equal ratings: JSON). An unknown `format` is the caller's mistake (null: answer 400).
 */
export function requestedFormat(format: unknown, accept: string | null): Format | null {
  if (format !== undefined) return format === "csv" || format === "json" ? format : null;
  const types = (accept ?? "")
    .split(",")
    .map((part) => {
      const [type = "", ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((t) => t.q > 0);
  const rank = (pattern: (t: string) => boolean) => {
    const found = types.filter((t) => pattern(t.type)).sort((a, b) => b.q - a.q)[0];
    return found ? found.q : -1;
  };
  const csv = rank((t) => t === "text/csv");
  const json = rank((t) => t === "application/json" || t.endsWith("+json"));
  return csv > 0 && csv > json ? "csv" : "json";
}
