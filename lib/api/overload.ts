/**
 * Database errors that mean "too busy right now", not "broken": a statement
 * cancelled by statement_timeout (SQLSTATE 57014) or a pool that could not hand
 * out a connection in time. They become 503 with Retry-After instead of a 500.
 */
import { AppError, unavailable } from "@/lib/errors";

const QUERY_CANCELED = "57014";

/**
 * The SQLSTATE of a database error: pg puts it in `code`; Prisma's driver adapter wraps it as
 * `meta.driverAdapterError.cause.originalCode` under its own code (P2010).
 */
function sqlState(error: unknown): string | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  const wrapped = e.meta?.driverAdapterError?.cause?.originalCode;
  if (typeof wrapped === "string") return wrapped;
  return typeof e.code === "string" ? e.code : undefined;
}

export function databaseOverload(error: unknown): AppError | null {
  if (error instanceof AppError) return null;
  if (sqlState(error) === QUERY_CANCELED) {
    return unavailable("The request took too long and was stopped. Try again in a moment.", 5);
  }
  return null;
}
