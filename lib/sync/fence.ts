/**
 * Fenced writes. A pass runs under its source's lease (aws_source.lease_owner + lease_epoch, valid until
 * lease_expires_at). Every write transaction of the sync — data and bookkeeping alike — starts with
 *
 *   SELECT 1 FROM aws_source WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3
 *     AND lease_expires_at > now() FOR SHARE
 *
 * and rolls back when the row no longer says so. FOR SHARE makes the check hold until COMMIT: another
 * instance taking the lease over (an UPDATE of that row) waits for the transaction to end, and every
 * transaction that starts after the takeover fails the check. So once a lease has changed hands (or merely
 * lapsed), the old holder writes nothing more, whatever it was in the middle of. A failed check also aborts
 * the context, so the pass stops calling AWS too.
 */
import "server-only";
import type pg from "pg";
import { pool as defaultPool, transaction } from "@/lib/db";
import type { SyncContext } from "./context";

export class LeaseLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LeaseLostError";
  }
}

export const isLeaseLost = (error: unknown): boolean => (error as { name?: string })?.name === "LeaseLostError";

export const dbOf = (ctx: Pick<SyncContext, "db">): pg.Pool => ctx.db ?? defaultPool;

/** The lease check, inside a transaction. Throws LeaseLostError (and aborts the context) when it fails. */
export async function checkLease(client: pg.PoolClient, ctx: SyncContext): Promise<void> {
  if (!ctx.lease) return;
  const held = await client.query(
    `SELECT 1 FROM aws_source
      WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 AND lease_expires_at > (now() AT TIME ZONE 'UTC')
      FOR SHARE`,
    [ctx.source.id, ctx.lease.owner, ctx.lease.epoch],
  );
  if ((held.rowCount ?? 0) === 0) {
    const error = new LeaseLostError(`the sync lease of source ${ctx.source.key} is no longer held by this instance`);
    ctx.abort?.(error);
    throw error;
  }
}

/** One fenced write transaction. `label` names it for the crash-test hooks. */
export async function writeTx<T>(
  ctx: SyncContext,
  label: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  await ctx.hooks?.atWrite?.(label);
  if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error("sync aborted");
  return transaction(async (client) => {
    await checkLease(client, ctx);
    const result = await work(client);
    ctx.hooks?.beforeWrite?.(label);
    return result;
  }, dbOf(ctx));
}

/** One fenced write statement; returns its rows. */
export async function writeSql<Row extends pg.QueryResultRow>(
  ctx: SyncContext,
  label: string,
  text: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return writeTx(ctx, label, async (client) => (await client.query<Row>(text, params)).rows);
}

/** A read through the context's pool. */
export async function readSql<Row extends pg.QueryResultRow>(
  ctx: Pick<SyncContext, "db">,
  text: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return (await dbOf(ctx).query<Row>(text, params)).rows;
}
