/**
 * The pieces every domain's OpenAPI registration (lib/<domain>/openapi.ts) builds its operations from: a JSON
 * response, a JSON request body and the error responses in the one error shape (lib/errors.ts). Each domain
 * states only what its errors mean for it (e.g. "No such run."), so the document stays specific without
 * each file rebuilding the same objects.
 */
import type { z } from "zod";
import { ErrorResponse } from "./error-schema";

/** A response whose body is `schema` as JSON. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A request body of `schema` as JSON. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } } });

/** One error response in the error shape. */
export const errorResponse = (description: string) => jsonResponse(ErrorResponse, description);

type ReadErrors = { 400: string; 401: string; 404: string };

const READ_DEFAULTS: ReadErrors = {
  400: "Invalid parameters or body.",
  401: "No valid session or API token.",
  404: "Not found.",
};

/** The 400, 401 and 404 every read operation can answer, with the domain's wording where it differs. */
export function readErrors(wording: Partial<ReadErrors> = {}) {
  const text = { ...READ_DEFAULTS, ...wording };
  return { 400: errorResponse(text[400]), 401: errorResponse(text[401]), 404: errorResponse(text[404]) };
}

/** A write operation's errors: the read ones plus 403 (and 409 where the domain has a conflict to report). */
export function writeErrors(wording: Partial<ReadErrors> & { 403: string; 409?: string }) {
  const { 403: forbidden, 409: conflict, ...read } = wording;
  return {
    ...readErrors(read),
    403: errorResponse(forbidden),
    ...(conflict ? { 409: errorResponse(conflict) } : {}),
  };
}
