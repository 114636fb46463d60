/**
 * Discovery: state machines → pipelines. ListStateMachines (paged), then per state machine passing the
 * source's name-prefix filter: ListTagsForResource (tag filter, team, headline metric) and
 * DescribeStateMachine (definition). Each distinct definition (sha256 of its canonical JSON) becomes a
 * pipeline_revision; pipeline.revision_id points at the current one. Rows are only rewritten when a value
 * changed (then pipeline.version is bumped and a change is emitted). A malformed definition is logged and
 * that state machine skipped; one failing state machine never stops the others.
 *
 * Degrade, never drop (lib/sync/degrade.ts): without ListTagsForResource a pipeline is stored without tags
 * (team unknown; a stored pipeline keeps the team it had) — unless the source filters by tag, which then
 * cannot be decided and only already stored pipelines are kept; without DescribeStateMachine a new pipeline
 * is stored from its listing (no definition, so no graph) and a stored one keeps its definition. Either
 * way `pipeline.sync_note` says what is missing, and the failing call is backed off per state machine (or,
 * denied, for the whole source) instead of being repeated at every discovery. An Express state machine is
 * stored with a note: Step Functions does not list Express executions.
 */
import "server-only";
import {
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  type StateMachineListItem,
} from "@aws-sdk/client-sfn";
import type pg from "pg";
import type { SyncContext } from "./context";
import { describeGap, guarded, loadBackoffs, SOURCE_WIDE } from "./degrade";
import { readSql, writeSql, writeTx } from "./fence";
import { isInvalidToken, pgText } from "./history";
import { definitionHash } from "./ids";
import { errorMessage } from "./runs";

export const HEADLINE_METRIC_TAG = "stepwise:headline-metric";
export const teamTag = () => process.env.TEAM_TAG || "team";

export type DiscoveryResult = {
  seen: number;
  changed: number;
  skipped: number;
  complete: boolean;
  /** Why the listing could not be read (denied, failing, or held back by its backoff). */
  unavailable?: string;
};

export const EXPRESS_NOTE =
  "Express workflow: Step Functions does not list or describe Express executions (ListExecutions: StateMachineTypeNotSupported), so Stepwise shows its definition only.";

export async function listStateMachines(ctx: SyncContext): Promise<StateMachineListItem[]> {
  const byArn = new Map<string, StateMachineListItem>();
  let nextToken: string | undefined;
  let restarts = 0;
  for (;;) {
    try {
      const page = await ctx.clients.sfn.send(new ListStateMachinesCommand({ maxResults: 1000, nextToken }), {
        abortSignal: ctx.signal,
      });
      for (const m of page.stateMachines ?? []) if (m.stateMachineArn) byArn.set(m.stateMachineArn, m);
      if (!page.nextToken) break;
      nextToken = page.nextToken;
    } catch (error) {
      if (isInvalidToken(error) && nextToken && restarts++ < 3) {
        nextToken = undefined;
        continue;
      }
      throw error;
    }
  }
  return [...byArn.values()];
}

/** Parses "k=v" filters; a state machine passes when its tag k equals v. */
function matchesTag(filter: string | null, tags: Record<string, string>): boolean {
  if (!filter) return true;
  const at = filter.indexOf("=");
  const key = filter.slice(0, at);
  return tags[key] === filter.slice(at + 1);
}

export function slugify(value: string): string {
  return (
    value
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 64) || "team"
  );
}

export async function discoverPipelines(ctx: SyncContext): Promise<DiscoveryResult> {
  const { source } = ctx;
  await loadBackoffs(ctx);
  const listed = await guarded(ctx, { operation: "states:ListStateMachines", object: SOURCE_WIDE }, () =>
    listStateMachines(ctx),
  );
  if (!listed.ok) {
    const row = listed.row;
    return {
      seen: 0,
      changed: 0,
      skipped: 0,
      complete: false,
      unavailable: `${describeGap("states:ListStateMachines", row.reason)} (${row.error ?? "no detail"}); next try ${
        row.nextAttemptAt?.toISOString() ?? "never"
      }`,
    };
  }
  const machines = listed.value.filter((m) => !source.namePrefix || (m.name ?? "").startsWith(source.namePrefix));
  const stored = new Set(
    (
      await readSql<{ arn: string }>(ctx, "SELECT state_machine_arn AS arn FROM pipeline WHERE source_id = $1", [
        source.id,
      ])
    ).map((r) => r.arn),
  );
  const seen: string[] = [];
  let changed = 0;
  let skipped = 0;
  for (const machine of machines) {
    const arn = machine.stateMachineArn as string;
    try {
      const notes: string[] = [];
      const listedTags = await guarded(ctx, { operation: "states:ListTagsForResource", object: arn }, () =>
        ctx.clients.sfn.send(new ListTagsForResourceCommand({ resourceArn: arn }), { abortSignal: ctx.signal }),
      );
      let tags: Record<string, string> | null = null;
      if (listedTags.ok) {
        tags = {};
        for (const t of listedTags.value.tags ?? []) if (t.key) tags[t.key] = t.value ?? "";
        if (!matchesTag(source.filterTag, tags)) continue;
      } else if (source.filterTag) {
        // The tag filter cannot be decided: keep what is stored, add nothing new.
        if (stored.has(arn)) seen.push(arn);
        continue;
      } else {
        notes.push(
          `Tags unreadable (${describeGap("states:ListTagsForResource", listedTags.row.reason)}): team unknown.`,
        );
      }
      const described = await guarded(ctx, { operation: "states:DescribeStateMachine", object: arn }, () =>
        ctx.clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }), { abortSignal: ctx.signal }),
      );
      let definition: unknown;
      if (described.ok) {
        try {
          definition = JSON.parse(described.value.definition ?? "");
        } catch {
          definition = undefined;
        }
        const states = (definition as { States?: unknown } | undefined)?.States;
        if (!definition || typeof definition !== "object" || !states || typeof states !== "object") {
          ctx.log.warn("skipping a state machine with a malformed definition", {
            source: source.key,
            stateMachine: arn,
          });
          skipped++;
          seen.push(arn); // it exists: do not mark it deleted
          continue;
        }
      } else {
        notes.push(
          `Definition unreadable (${describeGap("states:DescribeStateMachine", described.row.reason)}): no graph.`,
        );
      }
      const type = (described.ok ? described.value.type : undefined) ?? machine.type ?? "STANDARD";
      if (type === "EXPRESS") notes.push(EXPRESS_NOTE);
      seen.push(arn);
      const description = described.ok ? described.value : {};
      if (
        await upsertPipeline(ctx, {
          arn,
          machine,
          tags,
          definition: described.ok ? definition : null,
          description: { ...description, type },
          note: notes.length > 0 ? notes.join(" ") : null,
        })
      ) {
        changed++;
      }
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      seen.push(arn);
      skipped++;
      ctx.log.error("state machine sync failed; skipped", {
        source: source.key,
        stateMachine: arn,
        error: errorMessage(error),
      });
    }
  }
  // State machines gone from a complete listing are marked DELETED (their runs stay readable).
  const gone = await writeSql<{ id: number; version: number }>(
    ctx,
    "pipelines gone",
    `UPDATE pipeline SET status = 'DELETED', version = version + 1, updated_at = now() AT TIME ZONE 'UTC'
      WHERE source_id = $1 AND status <> 'DELETED' AND NOT (state_machine_arn = ANY($2::text[]))
      RETURNING id, version`,
    [source.id, seen],
  );
  for (const p of gone) emitPipeline(ctx, p.id, p.version);
  return { seen: seen.length, changed: changed + gone.length, skipped, complete: true };
}

/**
 * Inserts a row unless its key exists, and returns its id either way. The lookup runs as its own statement
 * after the INSERT: when another instance inserts the same key concurrently, our INSERT waits for it and
 * then does nothing, and a lookup inside the same statement would still read the snapshot taken before
 * the other row was committed (and find nothing). A separate statement takes a fresh snapshot.
 */
async function insertOrFindId(
  client: pg.PoolClient,
  insert: [sql: string, params: unknown[]],
  find: [sql: string, params: unknown[]],
): Promise<number | null> {
  const inserted = await client.query<{ id: number }>(...insert);
  if (inserted.rows[0]) return inserted.rows[0].id;
  const found = await client.query<{ id: number }>(...find);
  return found.rows[0]?.id ?? null;
}

function emitPipeline(ctx: SyncContext, id: number, version: number) {
  ctx.changes.add({ topic: "pipelines", kind: "pipeline", id: String(id), version });
  ctx.changes.add({ topic: `pipeline:${id}`, kind: "pipeline", id: String(id), version });
}

async function upsertPipeline(
  ctx: SyncContext,
  m: {
    arn: string;
    machine: StateMachineListItem;
    /** null: unreadable (the stored tags and team are kept; a new pipeline has none) */
    tags: Record<string, string> | null;
    /** null: unreadable (the stored definition is kept; a new pipeline has none and no revision) */
    definition: unknown;
    /** What could not be read, in plain words (pipeline.sync_note). */
    note: string | null;
    description: {
      name?: string;
      type?: string;
      status?: string;
      description?: string;
      revisionId?: string;
      creationDate?: Date;
    };
  },
): Promise<boolean> {
  const known = m.definition !== null && m.definition !== undefined;
  const hash = known ? definitionHash(m.definition) : null;
  const definitionJson = known ? pgText(JSON.stringify(m.definition)) : null;
  const teamValue = m.tags?.[teamTag()];
  const headline = m.tags ? (m.tags[HEADLINE_METRIC_TAG] ?? null) : null;
  const status = m.description.status === "DELETING" ? "DELETING" : "ACTIVE";
  const result = await writeTx(ctx, `pipeline ${m.arn}`, async (client) => {
    let teamId: number | null = null;
    if (teamValue) {
      const slug = slugify(teamValue);
      teamId = await insertOrFindId(
        client,
        [
          "INSERT INTO team (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING RETURNING id",
          [slug, pgText(teamValue)],
        ],
        ["SELECT id FROM team WHERE slug = $1", [slug]],
      );
    }
    // $12/$13: tags / definition were read; when not, an existing row keeps its own (excluded.* would be
    // the placeholders of a new row).
    const upsert = await client.query<{ id: number; version: number; inserted: boolean }>(
      `INSERT INTO pipeline AS p (source_id, state_machine_arn, name, type, status, description, team_id, tags,
          definition, headline_metric, aws_created_at, sync_note, updated_at)
       VALUES ($1, $2, $3, $4, $5::"PipelineStatus", $6, $7, coalesce($8::jsonb, '{}'), coalesce($9::jsonb, '{}'), $10,
          $11::timestamp, $14, now() AT TIME ZONE 'UTC')
       ON CONFLICT (state_machine_arn) DO UPDATE SET name = excluded.name, type = excluded.type,
          status = excluded.status, description = CASE WHEN $13 THEN excluded.description ELSE p.description END,
          team_id = CASE WHEN $12 THEN excluded.team_id ELSE p.team_id END,
          tags = CASE WHEN $12 THEN excluded.tags ELSE p.tags END,
          definition = CASE WHEN $13 THEN excluded.definition ELSE p.definition END,
          headline_metric = CASE WHEN $12 THEN excluded.headline_metric ELSE p.headline_metric END,
          aws_created_at = coalesce(excluded.aws_created_at, p.aws_created_at), sync_note = excluded.sync_note,
          version = p.version + 1, updated_at = excluded.updated_at
        WHERE p.source_id = excluded.source_id
          AND (p.name, p.type, p.status, p.description, p.team_id, p.tags, p.definition, p.headline_metric,
               p.aws_created_at, p.sync_note)
              IS DISTINCT FROM (excluded.name, excluded.type, excluded.status,
               CASE WHEN $13 THEN excluded.description ELSE p.description END,
               CASE WHEN $12 THEN excluded.team_id ELSE p.team_id END,
               CASE WHEN $12 THEN excluded.tags ELSE p.tags END,
               CASE WHEN $13 THEN excluded.definition ELSE p.definition END,
               CASE WHEN $12 THEN excluded.headline_metric ELSE p.headline_metric END,
               coalesce(excluded.aws_created_at, p.aws_created_at), excluded.sync_note)
       RETURNING id, version, (xmax = 0) AS inserted`,
      [
        ctx.source.id,
        m.arn,
        pgText(m.description.name ?? m.machine.name ?? m.arn),
        m.description.type ?? m.machine.type ?? "STANDARD",
        status,
        pgText(m.description.description ?? null),
        teamId,
        m.tags ? pgText(JSON.stringify(m.tags)) : null,
        definitionJson,
        pgText(headline),
        (m.description.creationDate ?? m.machine.creationDate)?.toISOString() ?? null,
        m.tags !== null,
        known,
        m.note,
      ],
    );
    let row = upsert.rows[0];
    let changed = !!row;
    if (!row) {
      const existing = await client.query<{ id: number; version: number; sourceId: number }>(
        `SELECT id, version, source_id AS "sourceId" FROM pipeline WHERE state_machine_arn = $1`,
        [m.arn],
      );
      const found = existing.rows[0];
      if (!found || found.sourceId !== ctx.source.id) return null; // owned by another source: leave it alone
      row = { ...found, inserted: false };
    }
    if (!known || hash === null) return changed ? { id: row.id, version: row.version } : null;
    const revisionId = await insertOrFindId(
      client,
      [
        `INSERT INTO pipeline_revision (pipeline_id, aws_revision_id, definition_hash, definition, first_seen_at)
         VALUES ($1, $2, $3, $4::jsonb, now() AT TIME ZONE 'UTC')
         ON CONFLICT (pipeline_id, definition_hash) DO NOTHING RETURNING id`,
        [row.id, m.description.revisionId ?? null, hash, definitionJson],
      ],
      ["SELECT id FROM pipeline_revision WHERE pipeline_id = $1 AND definition_hash = $2", [row.id, hash]],
    );
    const current = await client.query<{ version: number }>(
      `UPDATE pipeline SET revision_id = $2,
          version = version + CASE WHEN $3 THEN 0 ELSE 1 END, updated_at = now() AT TIME ZONE 'UTC'
        WHERE id = $1 AND revision_id IS DISTINCT FROM $2 RETURNING version`,
      [row.id, revisionId, changed],
    );
    if (current.rows[0]) {
      changed = true;
      row.version = current.rows[0].version;
    }
    return changed ? { id: row.id, version: row.version } : null;
  });
  if (result) emitPipeline(ctx, result.id, result.version);
  return !!result;
}
