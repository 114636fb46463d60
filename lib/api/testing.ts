/**
 * Helpers for tests that call domain functions and route handlers directly (Vitest): the typed error a call
 * must throw, and the second argument Next.js passes a dynamic route's handler.
 */
import { expect } from "vitest";
import { isAppError } from "@/lib/errors";

/** Fails unless `promise` rejects with an AppError of `code` (e.g. "forbidden", "conflict"). */
export async function expectAppError(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(isAppError(error) ? error.code : error).toBe(code);
    return;
  }
  throw new Error(`expected an AppError ${code}`);
}

/** The context of a dynamic route: `GET(request, routeContext({ runId }))`. */
export const routeContext = (params: Record<string, unknown>) => ({ params: Promise.resolve(params) });
