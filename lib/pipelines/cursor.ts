/**
 * Keyset cursors: the sort key of the row a page ends (or starts) at, plus the direction to read in,
 * as opaque base64url JSON. A cursor from another sort order, or a tampered one, is a 400, never a
 * wrong page.
 */
import { badRequest } from "@/lib/errors";

export type KeyValue = string | number;
export type Cursor = { sort: string; direction: "next" | "prev"; key: KeyValue; id: number };

export function encodeCursor(cursor: Cursor): string {
  const json = JSON.stringify([cursor.sort, cursor.direction === "next" ? 1 : 0, cursor.key, cursor.id]);
  return Buffer.from(json, "utf8").toString("base64url");
}

export function decodeCursor(raw: string | undefined, sort: string): Cursor | null {
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw badRequest("Invalid cursor: not a cursor returned by this API.");
  }
  if (
    !Array.isArray(value) ||
    value.length !== 4 ||
    value[0] !== sort ||
    (value[1] !== 0 && value[1] !== 1) ||
    !(typeof value[2] === "string" || (typeof value[2] === "number" && Number.isFinite(value[2]))) ||
    !Number.isSafeInteger(value[3])
  ) {
    throw badRequest(`Invalid cursor: it does not belong to sort "${sort}"; start again from the first page.`);
  }
  return { sort, direction: value[1] === 1 ? "next" : "prev", key: value[2] as KeyValue, id: value[3] as number };
}
