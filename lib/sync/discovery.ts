/**
 * Discovery: state machines → pipelines. ListStateMachines (paged), then per state machine passing the
 * source's name-prefix filter: ListTagsForResource (tag filter, team, headline metric) and
 * DescribeStateMachine (definition). Each distinct definition (sha256 of its canonical JSON) becomes a
 * pipeline_revision; pipeline.revision_id points at the current one. Rows are only rewritten when a value
 * changed (then pipeline.version is bumped and a change is emitted). A malformed definition is logged and
 * that state machine skipped; one failing state machine never stops the others.
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
import { isInvalidToken, pgText } from "./history";
import { definitionHash } from "./ids";
import { dbOf, errorMessage, inTransaction } from "./runs";

export const HEADLINE_METRIC_TAG = "stepwise:headline-metric";
export const teamTag = () => process.env.TEAM_TAG || "team";

export type DiscoveryResult = { seen: number; changed: number; skipped: number; complete: boolean };

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
  const machines = (await listStateMachines(ctx)).filter(
    (m) => !source.namePrefix || (m.name ?? "").startsWith(source.namePrefix),
  );
  const seen: string[] = [];
  let changed = 0;
  let skipped = 0;
  let failed = 0;
  for (const machine of machines) {
    const arn = machine.stateMachineArn as string;
    try {
      const tagList = await ctx.clients.sfn.send(new ListTagsForResourceCommand({ resourceArn: arn }), {
        abortSignal: ctx.signal,
      });
      const tags: Record<string, string> = {};
      for (const t of tagList.tags ?? []) if (t.key) tags[t.key] = t.value ?? "";
      if (!matchesTag(source.filterTag, tags)) continue;
      const d = await ctx.clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }), {
        abortSignal: ctx.signal,
      });
      let definition: unknown;
      try {
        definition = JSON.parse(d.definition ?? "");
      } catch {
        definition = undefined;
      }
      const states = (definition as { States?: unknown } | undefined)?.States;
      if (!definition || typeof definition !== "object" || !states || typeof states !== "object") {
        ctx.log.warn("skipping a state machine with a malformed definition", { source: source.key, stateMachine: arn });
        skipped++;
        seen.push(arn); // it exists: do not mark it deleted
        continue;
      }
      seen.push(arn);
      if (await upsertPipeline(ctx, { arn, machine, tags, definition, description: d })) changed++;
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      failed++;
      seen.push(arn);
      ctx.log.error("state machine sync failed; skipped", {
        source: source.key,
        stateMachine: arn,
        error: errorMessage(error),
      });
    }
  }
  // State machines gone from a complete listing are marked DELETED (their runs stay readable).
  const gone = await dbOf(ctx).query<{ id: number; version: number }>(
    `UPDATE pipeline SET status = 'DELETED', version = version + 1, updated_at = now() AT TIME ZONE 'UTC'
      WHERE source_id = $1 AND status <> 'DELETED' AND NOT (state_machine_arn = ANY($2::text[]))
      RETURNING id, version`,
    [source.id, seen],
  );
  for (const p of gone.rows) emitPipeline(ctx, p.id, p.version);
  return { seen: seen.length, changed: changed + gone.rows.length, skipped, complete: failed === 0 };
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
    tags: Record<string, string>;
    definition: unknown;
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
  const hash = definitionHash(m.definition);
  const definitionJson = pgText(JSON.stringify(m.definition));
  const teamValue = m.tags[teamTag()];
  const headline = m.tags[HEADLINE_METRIC_TAG] ?? null;
  const status = m.description.status === "DELETING" ? "DELETING" : "ACTIVE";
  const result = await inTransaction(ctx, `pipeline ${m.arn}`, async (client) => {
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
    const upsert = await client.query<{ id: number; version: number; inserted: boolean }>(
      `INSERT INTO pipeline AS p (source_id, state_machine_arn, name, type, status, description, team_id, tags,
          definition, headline_metric, aws_created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::"PipelineStatus", $6, $7, $8::jsonb, $9::jsonb, $10, $11::timestamp,
          now() AT TIME ZONE 'UTC')
       ON CONFLICT (state_machine_arn) DO UPDATE SET name = excluded.name, type = excluded.type,
          status = excluded.status, description = excluded.description, team_id = excluded.team_id,
          tags = excluded.tags, definition = excluded.definition, headline_metric = excluded.headline_metric,
          aws_created_at = excluded.aws_created_at, version = p.version + 1, updated_at = excluded.updated_at
        WHERE p.source_id = excluded.source_id
          AND (p.name, p.type, p.status, p.description, p.team_id, p.tags, p.definition, p.headline_metric,
               p.aws_created_at)
              IS DISTINCT FROM (excluded.name, excluded.type, excluded.status, excluded.description, excluded.team_id,
               excluded.tags, excluded.definition, excluded.headline_metric, excluded.aws_created_at)
       RETURNING id, version, (xmax = 0) AS inserted`,
      [
        ctx.source.id,
        m.arn,
        pgText(m.description.name ?? m.machine.name ?? m.arn),
        m.description.type ?? m.machine.type ?? "STANDARD",
        status,
        pgText(m.description.description ?? null),
        teamId,
        pgText(JSON.stringify(m.tags)),
        definitionJson,
        pgText(headline),
        (m.description.creationDate ?? m.machine.creationDate)?.toISOString() ?? null,
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
