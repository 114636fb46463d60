/**
 * The data access layer's one rule: a read for a page, its metadata or a server
 * component first gets the verified principal (lib/auth/current.ts — one SQL
 * statement per request, shared by everyone who asks), so no read depends on a
 * layout, the proxy or a cookie's mere presence. A client navigation (RSC
 * request) or a prefetch renders pages and metadata without their layouts;
 * these functions are the guard wherever they are called from.
 *
 * Values that cannot name anything (a NUL byte, which Postgres refuses in text)
 * are "not found" here, before they reach SQL.
 */
import "server-only";
import { notFound } from "next/navigation";
import { requirePrincipal } from "@/lib/auth/current";
import type { Principal } from "@/lib/auth/principal";

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (depth > 2 || value === null || typeof value !== "object") return false;
  const values = Array.isArray(value) ? value : Object.values(value);
  return values.some((v) => containsNul(v, depth + 1));
}

/** `read` behind the principal check (no principal: a redirect to login). */
export function guarded<A extends unknown[], R>(read: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    await requirePrincipal();
    if (containsNul(args)) notFound();
    return read(...args);
  };
}

/** `read` with the principal handed in, for reads that depend on who asks (own tokens, admin views). */
export function guardedFor<A extends unknown[], R>(
  read: (principal: Principal, ...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const principal = await requirePrincipal();
    if (containsNul(args)) notFound();
    return read(principal, ...args);
  };
}
