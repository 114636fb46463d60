/**
 * The one error schema of the API, as zod (the OpenAPI document's `Error`; tests check answers against it). Apart
 * from lib/errors.ts, which client code imports, so the browser does not load zod for an error type.
 */
import { z } from "zod";
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from "./errors";

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string().meta({ description: "What went wrong, in plain words." }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: "Error", description: "Every non-2xx answer of /api has this shape." }) satisfies z.ZodType<ErrorBody>;
