/**
 * The process-wide structured logger (pino, JSON lines on stdout). Secrets never reach it: credentials,
 * tokens and the ingest secret are redacted by path, and callers log ids and ARNs of executions, never
 * role ARNs with external ids or connection strings.
 */
import pino from "pino";

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "warn" : "info"),
  base: { app: "stepwise" },
  redact: {
    paths: [
      "credentials",
      "*.credentials",
      "secretAccessKey",
      "*.secretAccessKey",
      "sessionToken",
      "*.sessionToken",
      "externalId",
      "*.externalId",
      "secret",
      "*.secret",
      "authorization",
      "*.authorization",
      "databaseUrl",
    ],
    censor: "[redacted]",
  },
});

export type Logger = pino.Logger;

export type LogContext = Record<string, unknown>;
/** The small logging contract the sync modules receive (a pino child in the app, a memory log in tests). */
export type SyncLogger = {
  info(message: string, context?: LogContext): void;
  warn(message: string, context?: LogContext): void;
  error(message: string, context?: LogContext): void;
};

/** Adapts a pino logger to the small logging contract the sync modules receive. */
export function toSyncLogger(base: pino.Logger = logger, bindings: LogContext = {}): SyncLogger {
  const child = Object.keys(bindings).length > 0 ? base.child(bindings) : base;
  return {
    info: (message, context) => child.info(context ?? {}, message),
    warn: (message, context) => child.warn(context ?? {}, message),
    error: (message, context) => child.error(context ?? {}, message),
  };
}
