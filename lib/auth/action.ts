/**
 * The server-action twin of withApi (lib/api/handler.ts): session check against
 * the database, zod validation of the input (a plain object or FormData), typed
 * AppError → `{ ok: false, error }`, unexpected errors logged and generic, and an
 * audit row for every call (actions are writes).
 */
import "server-only";
import { headers } from "next/headers";
import type { z } from "zod";
import { recordAudit } from "@/lib/audit/log";
import { requestContextFromHeaders, runWithRequestContext } from "@/lib/audit/request-context";
import { AppError, type ErrorCode } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";
import { getPrincipal } from "./current";
import { auditVia, type Principal } from "./principal";

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };

export type ActionContext<I> = {
  input: I;
  principal: Principal;
  auditTarget: (target: { type: string; id: string; details?: Prisma.InputJsonObject }) => void;
};

function formToObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    if (key.startsWith("$ACTION")) continue;
    if (typeof value === "string") out[key] = value;
  }
  return out;
}

export function withAction<S extends z.ZodType, T>(
  config: {
    schema: S;
    action: string;
    /** False when the domain function records its own audit row (e.g. token create/revoke). */
    audit?: boolean;
  },
  fn: (context: ActionContext<z.infer<S>>) => Promise<T>,
): (input: FormData | z.input<S>) => Promise<ActionResult<T>> {
  return async (rawInput) => {
    const context = requestContextFromHeaders(await headers());
    return runWithRequestContext(context, async () => {
      const principal = await getPrincipal();
      if (!principal)
        return { ok: false, error: { code: "unauthorized", message: "Your session has ended. Sign in again." } };
      let target: { type: string; id: string; details?: Prisma.InputJsonObject } | null = null;
      const audit = async (outcome: "ok" | "denied" | "failed", details: Prisma.InputJsonObject = {}) => {
        if (config.audit === false && outcome === "ok") return;
        await recordAudit({
          actor: { id: principal.user.id, email: principal.user.email },
          via: auditVia(principal),
          action: config.action,
          targetType: target?.type,
          targetId: target?.id,
          outcome,
          details: { ...(target?.details ?? {}), ...details },
        });
      };
      const parsed = config.schema.safeParse(rawInput instanceof FormData ? formToObject(rawInput) : rawInput);
      if (!parsed.success) {
        const message = parsed.error.issues.map((issue) => issue.message).join(" ");
        await audit("failed", { code: "bad_request" });
        return { ok: false, error: { code: "bad_request", message } };
      }
      try {
        const data = await fn({ input: parsed.data, principal, auditTarget: (t) => (target = t) });
        await audit("ok");
        return { ok: true, data };
      } catch (error) {
        if (error instanceof AppError) {
          await audit(error.code === "forbidden" ? "denied" : "failed", { code: error.code, reason: error.message });
          return { ok: false, error: { code: error.code, message: error.message } };
        }
        logger.error({ err: error, action: config.action, userId: principal.user.id }, "server action failed");
        await audit("failed", { code: "internal" });
        return {
          ok: false,
          error: { code: "internal", message: "Something went wrong on our side. It has been logged." },
        };
      }
    });
  };
}
