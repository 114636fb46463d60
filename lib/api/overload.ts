/**
 * Database errors that mean "too busy right now", not "broken": a statement
 * cancelled by statement_timeout (SQLSTATE 57014) or a pool that could not hand
 * out a connection in time. They become 503 with Retry-After instead of a 500.
 */
import { AppError, unavailable } from "@/lib/errors";

const QUERY_CANCELED = "57014";

function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  for (let i = 0; i < 4 && current && typeof current === "object"; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function databaseOverload(error: unknown): AppError | null {
  if (error instanceof AppError) return null;
  if (sqlState(error) === QUERY_CANCELED) {
    return unavailable("The request took too long and was stopped. Try again in a moment.", 5);
  }
  return null;
}
