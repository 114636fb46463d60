/**
 * Degrade, never drop. What the sync does when an AWS call fails for reasons that will not go away by
 * retrying at once: a missing IAM permission, an operation the endpoint or resource does not support, an
 * object that is gone (an execution past Step Functions' 90-day retention, a deleted job) or lives in
 * another account, or a call that keeps failing.
 *
 * Two levels, both in `sync_backoff` (source, operation = IAM action, object):
 * - object "*": a gap of the whole source — an unknown operation, or a denied action that IAM cannot grant
 *   per resource (SOURCE_WIDE_ACTIONS: listings, GetMetricData). Calls of that action are not made for any
 *   object until `next_attempt_at` (15 min, doubling up to 6 h; a gap is never given up, a permission can
 *   be granted at any time); the first call after it is the probe. Logged once per source and action per
 *   hour (`logged_at`), listed in /api/health's sync status. A denial of a resource-scoped action (one state
 *   machine's DescribeStateMachine) stays with that object: the others go on.
 * - one object (an execution ARN, a job name, a model card): exponential backoff from one minute, up to
 *   6 h, given up after MAX_ATTEMPTS tries (`gave_up_at`); an object that is gone or elsewhere is given up
 *   at once. Rows tied to a run become the run page's warning.
 *
 * Decisions use `ctx.now()` (a fixed instant in tests). The rows of a source are read once per pass
 * (`loadBackoffs`), so checking costs no query; given-up rows of runs are not loaded, the queries that
 * pick work (open runs, jobs of steps) leave those objects out themselves.
 */
import "server-only";
import type { BackoffRow, SyncContext } from "./context";
import { readSql, writeSql } from "./fence";

export type FailureKind = "denied" | "unsupported" | "not_found" | "elsewhere" | "wrong_type" | "failing";

/** Tries of one object before it is given up. */
export const MAX_ATTEMPTS = 8;
const OBJECT_BASE_MS = 60_000;
const GAP_BASE_MS = 15 * 60_000;
const CAP_MS = 6 * 3_600_000;
const LOG_EVERY_MS = 3_600_000;
export const SOURCE_WIDE = "*";

const DENIED = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "AuthorizationError",
  "UnauthorizedOperation",
  "NotAuthorized",
  "KMSAccessDeniedException",
]);
const UNSUPPORTED = new Set([
  "UnknownOperationException",
  "UnsupportedOperation",
  "UnsupportedOperationException",
  "InvalidAction",
]);
const NOT_FOUND = new Set([
  "ExecutionDoesNotExist",
  "StateMachineDoesNotExist",
  "ResourceNotFound",
  "ResourceNotFoundException",
  "ActivityDoesNotExist",
]);

/** What kind of failure an AWS SDK error is. */
export function classifyError(error: unknown): FailureKind {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? "";
  if (DENIED.has(name) || e?.$metadata?.httpStatusCode === 403) return "denied";
  if (UNSUPPORTED.has(name)) return "unsupported";
  // Not the source's limit but this object's: an Express state machine has no listable executions.
  if (name === "StateMachineTypeNotSupported") return "wrong_type";
  if (NOT_FOUND.has(name)) return "not_found";
  // SageMaker answers a missing job with ValidationException "Requested resource not found." and a missing
  // model package with "ModelPackage … does not exist."
  if (name === "ValidationException" && /not found|does not exist/i.test(e?.message ?? "")) return "not_found";
  return "failing";
}

/**
 * The IAM action of the call that failed: set on the error by the clients' middleware (lib/sync/clients.ts),
 * else read from an AccessDenied message ("… is not authorized to perform: states:ListTagsForResource …").
 */
export function actionOf(error: unknown, fallback: string): string {
  const tagged = (error as { $action?: unknown })?.$action;
  if (typeof tagged === "string") return tagged;
  const match = /perform: ([a-z0-9-]+:[A-Za-z0-9]+)/.exec((error as { message?: string })?.message ?? "");
  return match?.[1] ?? fallback;
}

/**
 * The optional permissions and what Stepwise shows without each (README's table says the same). Required
 * ones (ListStateMachines, ListExecutions, DescribeExecution, GetExecutionHistory) are here too: without
 * them a source shows little, but the rest of it still syncs.
 */
export const WITHOUT_ACTION: Record<string, string> = {
  "states:ListStateMachines": "no pipelines are discovered (those already stored stay)",
  "states:DescribeStateMachine": "pipelines without a definition: no state-machine graph, no revisions",
  "states:ListTagsForResource": "pipelines stored without tags: team unknown, no headline metric, no tag filter",
  "states:ListExecutions": "no new runs are found (runs already stored stay and are followed)",
  "states:DescribeExecution": "runs are not updated (status, input, output)",
  "states:GetExecutionHistory": "runs have no steps and no timeline",
  "sagemaker:DescribeTrainingJob": "training steps without job details, final metrics and billable time",
  "sagemaker:DescribeProcessingJob": "processing steps without job details",
  "sagemaker:DescribeTransformJob": "batch transform steps without job details",
  "sagemaker:DescribeHyperParameterTuningJob": "tuning steps without job details",
  "cloudwatch:GetMetricData": "no per-epoch curves (final metrics and the metric-evolution graph are unaffected)",
  "sagemaker:ListModelPackageGroups": "no model registry: no model versions, no approvals",
  "sagemaker:ListModelPackages": "model groups without versions",
  "sagemaker:DescribeModelPackage": "model versions without metrics and lineage",
  "sagemaker:ListTags": "model groups linked to pipelines by lineage only, not by tags",
  "sagemaker:ListModelCards": "SageMaker model cards are not imported (cards written in Stepwise are unaffected)",
  "sagemaker:DescribeModelCard": "SageMaker model cards are not imported (cards written in Stepwise are unaffected)",
};

/**
 * Actions IAM cannot grant per resource (listings, CloudWatch metrics): a denial of one call is a denial
 * for the whole source, so the gap holds every call of it back. Other actions can be denied for some
 * resources only (a policy naming some state machines): their denials stay with the object, and the
 * others go on.
 */
export const SOURCE_WIDE_ACTIONS = new Set([
  "cloudwatch:GetMetricData",
  "states:ListStateMachines",
  "sagemaker:ListModelPackageGroups",
  "sagemaker:ListModelPackages",
  "sagemaker:ListModelCards",
]);

const keyOf = (operation: string, object: string) => `${operation}\u0000${object}`;
const nowOf = (ctx: SyncContext) => ctx.now?.() ?? new Date();
const delay = (base: number, attempts: number) => Math.min(CAP_MS, base * 2 ** Math.max(0, attempts - 1));

type StoredRow = Omit<BackoffRow, "firstFailedAt" | "nextAttemptAt" | "gaveUpAt" | "loggedAt"> & {
  firstFailedAt: string;
  nextAttemptAt: string | null;
  gaveUpAt: string | null;
  loggedAt: string | null;
};
const COLUMNS = `operation, object, run_id AS "runId", reason, error, attempts,
  to_char(first_failed_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "firstFailedAt",
  to_char(next_attempt_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "nextAttemptAt",
  to_char(gave_up_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "gaveUpAt",
  to_char(logged_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "loggedAt"`;
const toDate = (v: string | null) => (v ? new Date(v) : null);
const fromStored = (r: StoredRow): BackoffRow => ({
  ...r,
  firstFailedAt: new Date(r.firstFailedAt),
  nextAttemptAt: toDate(r.nextAttemptAt),
  gaveUpAt: toDate(r.gaveUpAt),
  loggedAt: toDate(r.loggedAt),
});

/** Reads the source's backoff rows into the context (once per pass). */
export async function loadBackoffs(ctx: SyncContext): Promise<Map<string, BackoffRow>> {
  if (ctx.backoff) return ctx.backoff;
  const rows = await readSql<StoredRow>(
    ctx,
    `SELECT ${COLUMNS} FROM sync_backoff WHERE source_id = $1 AND (run_id IS NULL OR gave_up_at IS NULL)`,
    [ctx.source.id],
  );
  ctx.backoff = new Map(rows.map((r) => [keyOf(r.operation, r.object), fromStored(r)]));
  return ctx.backoff;
}

/** The source-wide gap of an action that is in force now (no call of it may be made), or null. */
export function gapInForce(ctx: SyncContext, action: string): BackoffRow | null {
  const gap = ctx.backoff?.get(keyOf(action, SOURCE_WIDE));
  if (!gap?.nextAttemptAt) return null;
  return gap.nextAttemptAt.getTime() > nowOf(ctx).getTime() ? gap : null;
}

/** Whether a source-wide gap is recorded for the action (in force or due for its probe). */
export const gapOf = (ctx: SyncContext, action: string): BackoffRow | null =>
  ctx.backoff?.get(keyOf(action, SOURCE_WIDE)) ?? null;

/** The row that stops a call of `operation` for `object` now (given up, or waiting for its next attempt). */
export function objectBlocked(ctx: SyncContext, operation: string, object: string): BackoffRow | null {
  const row = ctx.backoff?.get(keyOf(operation, object));
  if (!row) return null;
  if (row.gaveUpAt) return row;
  return row.nextAttemptAt && row.nextAttemptAt.getTime() > nowOf(ctx).getTime() ? row : null;
}

export type Target = {
  /** The IAM action the object's row is kept under, e.g. "sagemaker:DescribeTrainingJob". */
  operation: string;
  object: string;
  runId?: number | null;
  /** Every action the work calls (their source-wide gaps block it too); default [operation]. */
  actions?: string[];
  /** false: an object reported gone is only backed off (it may come back, e.g. a recreated state machine). */
  giveUpWhenGone?: boolean;
};

export type Guarded<T> =
  | { ok: true; value: T }
  | { ok: false; skipped: true; row: BackoffRow }
  | { ok: false; skipped: false; kind: FailureKind; error: unknown; row: BackoffRow };

/**
 * Runs `call` unless a gap or the object's backoff forbids it now. A success clears the object's row and
 * the gaps of its actions; a failure is recorded (and returned, not thrown). Aborts and lost leases are
 * rethrown.
 */
export async function guarded<T>(ctx: SyncContext, target: Target, call: () => Promise<T>): Promise<Guarded<T>> {
  await loadBackoffs(ctx);
  const actions = target.actions ?? [target.operation];
  const blocking =
    objectBlocked(ctx, target.operation, target.object) ??
    actions.map((a) => gapInForce(ctx, a)).find((g) => g !== null) ??
    null;
  if (blocking) return { ok: false, skipped: true, row: blocking };
  try {
    const value = await call();
    await clearBackoff(ctx, target.operation, target.object);
    for (const action of actions) await clearGap(ctx, action);
    return { ok: true, value };
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    const kind = classifyError(error);
    const row = await recordFailure(ctx, { ...target, error, kind });
    return { ok: false, skipped: false, kind, error, row };
  }
}

const reasonText: Record<FailureKind, string> = {
  denied: "the role lacks",
  unsupported: "not supported:",
  not_found: "gone:",
  elsewhere: "in another account:",
  wrong_type: "does not apply:",
  failing: "keeps failing:",
};

/** "the role lacks cloudwatch:GetMetricData" — the words the UI and the logs use for a gap. */
export function describeGap(action: string, reason: string): string {
  if (reason === "denied") return `the role lacks ${action}`;
  if (reason === "unsupported") return `${action} is not supported here`;
  return `${action} ${reasonText[reason as FailureKind] ?? reason}`;
}

const errorText = (error: unknown) =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 500);

/**
 * Records a failure of one object (and, for a denied or unsupported action, the source-wide gap). Returns
 * the object's row. Object rows give up after MAX_ATTEMPTS, or at once when the object is gone/elsewhere.
 */
export async function recordFailure(
  ctx: SyncContext,
  input: Target & { error: unknown; kind?: FailureKind; message?: string },
): Promise<BackoffRow> {
  await loadBackoffs(ctx);
  const kind = input.kind ?? classifyError(input.error);
  const now = nowOf(ctx);
  const message = input.message ?? errorText(input.error);
  // A call for the whole source (a listing): its failures are the source's gap, backed off, never given up.
  if (input.object === SOURCE_WIDE) return recordGap(ctx, input.operation, kind, message);
  const action = actionOf(input.error, input.operation);
  if (kind === "unsupported" || (kind === "denied" && SOURCE_WIDE_ACTIONS.has(action))) {
    await recordGap(ctx, action, kind, message);
  }
  const previous = ctx.backoff?.get(keyOf(input.operation, input.object));
  const attempts = (previous && !previous.gaveUpAt ? previous.attempts : 0) + 1;
  const gone = kind === "not_found" || kind === "elsewhere" || kind === "wrong_type";
  const giveUp = (gone && input.giveUpWhenGone !== false) || attempts >= MAX_ATTEMPTS;
  const row: BackoffRow = {
    operation: input.operation,
    object: input.object,
    runId: input.runId ?? previous?.runId ?? null,
    reason: kind,
    error: message,
    attempts,
    firstFailedAt: previous && !previous.gaveUpAt ? previous.firstFailedAt : now,
    nextAttemptAt: giveUp ? null : new Date(now.getTime() + delay(OBJECT_BASE_MS, attempts)),
    gaveUpAt: giveUp ? now : null,
    loggedAt: now,
  };
  ctx.backoff?.set(keyOf(row.operation, row.object), row);
  await upsert(ctx, row, now);
  if (kind !== "unsupported" && !(kind === "denied" && SOURCE_WIDE_ACTIONS.has(action))) {
    ctx.log.warn(giveUp ? "sync gave up on an object" : "sync call failed; backing off", {
      source: ctx.source.key,
      operation: row.operation,
      object: row.object,
      reason: kind,
      attempts,
      nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
      error: message,
    });
  }
  return row;
}

/** Records (or extends) the source-wide gap of an action; logs it at most once an hour. */
export async function recordGap(
  ctx: SyncContext,
  action: string,
  kind: FailureKind,
  message: string,
): Promise<BackoffRow> {
  await loadBackoffs(ctx);
  const now = nowOf(ctx);
  const previous = ctx.backoff?.get(keyOf(action, SOURCE_WIDE));
  // Calls already in flight when the gap was recorded fail too: that is the same failure, not a new try.
  if (previous?.nextAttemptAt && previous.nextAttemptAt.getTime() > now.getTime()) return previous;
  const attempts = (previous?.attempts ?? 0) + 1;
  const log = !previous?.loggedAt || now.getTime() - previous.loggedAt.getTime() >= LOG_EVERY_MS;
  const row: BackoffRow = {
    operation: action,
    object: SOURCE_WIDE,
    runId: null,
    reason: kind,
    error: message,
    attempts,
    firstFailedAt: previous?.firstFailedAt ?? now,
    nextAttemptAt: new Date(now.getTime() + delay(GAP_BASE_MS, attempts)),
    gaveUpAt: null,
    loggedAt: log ? now : (previous?.loggedAt ?? now),
  };
  // Cached before the write, so calls failing concurrently see it (and neither log nor count again).
  ctx.backoff?.set(keyOf(action, SOURCE_WIDE), row);
  await upsert(ctx, row, now);
  if (log) {
    ctx.log.warn(`sync: ${describeGap(action, kind)}; ${WITHOUT_ACTION[action] ?? "that part is not synced"}`, {
      source: ctx.source.key,
      action,
      reason: kind,
      nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    });
  }
  return row;
}

async function upsert(ctx: SyncContext, row: BackoffRow, now: Date): Promise<void> {
  await writeSql(
    ctx,
    `backoff ${row.operation} ${row.object}`,
    `INSERT INTO sync_backoff AS b (source_id, operation, object, run_id, reason, error, attempts, first_failed_at,
        last_failed_at, next_attempt_at, gave_up_at, logged_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz AT TIME ZONE 'UTC', $9::timestamptz AT TIME ZONE 'UTC',
        $10::timestamptz AT TIME ZONE 'UTC', $11::timestamptz AT TIME ZONE 'UTC', $12::timestamptz AT TIME ZONE 'UTC')
     ON CONFLICT (source_id, operation, object) DO UPDATE SET run_id = coalesce(excluded.run_id, b.run_id),
        reason = excluded.reason, error = excluded.error, attempts = excluded.attempts,
        first_failed_at = excluded.first_failed_at, last_failed_at = excluded.last_failed_at,
        next_attempt_at = excluded.next_attempt_at, gave_up_at = excluded.gave_up_at, logged_at = excluded.logged_at`,
    [
      ctx.source.id,
      row.operation,
      row.object,
      row.runId,
      row.reason,
      row.error,
      row.attempts,
      row.firstFailedAt.toISOString(),
      now.toISOString(),
      row.nextAttemptAt?.toISOString() ?? null,
      row.gaveUpAt?.toISOString() ?? null,
      row.loggedAt?.toISOString() ?? null,
    ],
  );
}

/** Forgets an object's failures after a success (no statement when nothing is recorded). */
export async function clearBackoff(ctx: SyncContext, operation: string, object: string): Promise<void> {
  const key = keyOf(operation, object);
  if (!ctx.backoff?.has(key)) return;
  await writeSql(
    ctx,
    `backoff cleared ${operation}`,
    "DELETE FROM sync_backoff WHERE source_id = $1 AND operation = $2 AND object = $3",
    [ctx.source.id, operation, object],
  );
  ctx.backoff.delete(key);
}

/** A successful call of an action ends its gap; the caller may then retry what the gap held back. */
export async function clearGap(ctx: SyncContext, action: string): Promise<boolean> {
  if (!ctx.backoff?.has(keyOf(action, SOURCE_WIDE))) return false;
  await clearBackoff(ctx, action, SOURCE_WIDE);
  ctx.log.info(`sync: ${action} works again`, { source: ctx.source.key, action });
  return true;
}

/** Gives an object up without calling (a job in another account): recorded as gone or elsewhere at once. */
export async function giveUp(
  ctx: SyncContext,
  input: Target & { kind: "not_found" | "elsewhere"; message: string },
): Promise<BackoffRow> {
  await loadBackoffs(ctx);
  const existing = ctx.backoff?.get(keyOf(input.operation, input.object));
  if (existing?.gaveUpAt && existing.reason === input.kind) return existing;
  return recordFailure(ctx, { ...input, error: new Error(input.message) });
}

/**
 * Remembers something about an object for a while without counting it as a failure (e.g. an EventBridge
 * event naming a state machine no source knows: no discovery per event, one per `ms` at most).
 */
export async function rememberFor(
  ctx: SyncContext,
  input: { operation: string; object: string; reason: string; message: string; ms: number },
): Promise<BackoffRow> {
  await loadBackoffs(ctx);
  const now = nowOf(ctx);
  const row: BackoffRow = {
    operation: input.operation,
    object: input.object,
    runId: null,
    reason: input.reason,
    error: input.message,
    attempts: 1,
    firstFailedAt: now,
    nextAttemptAt: new Date(now.getTime() + input.ms),
    gaveUpAt: null,
    loggedAt: now,
  };
  await upsert(ctx, row, now);
  ctx.backoff?.set(keyOf(row.operation, row.object), row);
  return row;
}
