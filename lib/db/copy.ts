/**
 * COPY … FROM STDIN for the sync's bulk writes (pg-copy-streams): Postgres parses COPY's text format far faster
 * than a statement's parameters (no JSON or array-literal parse, no executor per statement), which is what
 * brings history ingest past 100k events/s on two cores (bench/ingest.ts).
 */
import "server-only";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

/** One field in COPY's text format: \N for null; backslash, tab, newline and carriage return escaped. */
export function copyField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "number") return String(value);
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"))
    : value;
}

/** A row of fields as one COPY text line. */
export const copyLine = (fields: readonly (string | number | null | undefined)[]) =>
  `${fields.map(copyField).join("\t")}\n`;

/**
 * Streams `lines` (COPY text lines, see copyLine) into `COPY <target> FROM STDIN` on `client`, in chunks of
 * about 1 MiB; returns the number of rows Postgres stored.
 */
export async function copyLines(client: pg.PoolClient, target: string, lines: Iterable<string>): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${target} FROM STDIN`));
  function* chunked() {
    let buffer = "";
    for (const line of lines) {
      buffer += line;
      if (buffer.length >= 1 << 20) {
        yield buffer;
        buffer = "";
      }
    }
    if (buffer) yield buffer;
  }
  await pipeline(Readable.from(chunked()), stream);
  return stream.rowCount;
}
