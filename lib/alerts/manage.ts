/**
 * Rules, channels, watches and the inbox: the writes behind /api/v1/alerts/** and the settings page, each
 * checked on the server — a team's rules and channels only by its members (or admins), global ones only by
 * admins — and audited by the caller (withApi / withAction). Channel targets and secrets are encrypted
 * (lib/alerts/crypto.ts); the signing secret is returned once, at creation, and never again.
 */
import "server-only";
import type pg from "pg";
import { assertAdmin, assertCanWriteForTeam } from "@/lib/auth/permissions";
import type { Principal } from "@/lib/auth/principal";
import { pool, transaction } from "@/lib/db";
import { badRequest, notFound } from "@/lib/errors";
import { encryptSecret, newSigningSecret } from "./crypto";
import { emailConfigured } from "./email";
import { refusedTarget } from "./outbound";
import type { ChannelBody, ChannelKind, RuleBody, RuleKind, RuleParams } from "./schema";

export type Rule = {
  id: number;
  name: string;
  kind: RuleKind;
  team: string | null;
  pipelineId: number | null;
  params: RuleParams;
  inApp: boolean;
  quietStart: number | null;
  quietEnd: number | null;
  mutedUntil: string | null;
  enabled: boolean;
  channelIds: number[];
  createdAt: string;
};

export type Channel = {
  id: number;
  name: string;
  kind: ChannelKind;
  team: string | null;
  label: string;
  createdAt: string;
};

const ISO = (c: string) => `to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const RULE_SELECT = `
SELECT r.id, r.name, r.kind, t.slug AS team, r.pipeline_id AS "pipelineId", r.params, r.in_app AS "inApp",
       r.quiet_start AS "quietStart", r.quiet_end AS "quietEnd", ${ISO("r.muted_until")} AS "mutedUntil",
       r.enabled, ${ISO("r.created_at")} AS "createdAt",
       coalesce((SELECT array_agg(rc.channel_id ORDER BY rc.channel_id) FROM alert_rule_channel rc WHERE rc.rule_id = r.id),
                '{}') AS "channelIds"
  FROM alert_rule r LEFT JOIN team t ON t.id = r.team_id`;

const CHANNEL_SELECT = `
SELECT c.id, c.name, c.kind, t.slug AS team, c.label, ${ISO("c.created_at")} AS "createdAt"
  FROM alert_channel c LEFT JOIN team t ON t.id = c.team_id`;

async function teamIdOf(slug: string): Promise<number> {
  const { rows } = await pool.query<{ id: number }>("SELECT id FROM team WHERE slug = $1", [slug]);
  const id = rows[0]?.id;
  if (id === undefined) throw notFound(`No team "${slug.slice(0, 100)}".`);
  return id;
}

/** The owner of a rule or channel: a pipeline's team, a team, or nobody (global); checks the caller may write. */
async function ownerFor(
  principal: Principal,
  target: { team?: string | null; pipelineId?: number | null },
): Promise<{ teamId: number | null; pipelineId: number | null }> {
  if (target.pipelineId) {
    const { rows } = await pool.query<{ team_id: number | null }>("SELECT team_id FROM pipeline WHERE id = $1", [
      target.pipelineId,
    ]);
    if (rows.length === 0) throw notFound(`No pipeline ${target.pipelineId}.`);
    const teamId = rows[0]?.team_id ?? null;
    if (teamId === null) assertAdmin(principal);
    else assertCanWriteForTeam(principal, teamId);
    return { teamId, pipelineId: target.pipelineId };
  }
  if (target.team) {
    const teamId = await teamIdOf(target.team);
    assertCanWriteForTeam(principal, teamId);
    return { teamId, pipelineId: null };
  }
  assertAdmin(principal);
  return { teamId: null, pipelineId: null };
}

/** Channels a rule may use: its own team's, or global ones. */
async function checkChannels(channelIds: number[], teamId: number | null): Promise<void> {
  if (channelIds.length === 0) return;
  const { rows } = await pool.query<{ id: number; team_id: number | null }>(
    "SELECT id, team_id FROM alert_channel WHERE id = ANY($1::int[])",
    [channelIds],
  );
  const missing = channelIds.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length) throw badRequest(`No channel ${missing.join(", ")}.`);
  const foreign = rows.filter((r) => r.team_id !== null && r.team_id !== teamId);
  if (foreign.length) throw badRequest(`Channel ${foreign.map((r) => r.id).join(", ")} belongs to another team.`);
}

export async function listRules(filter: { team?: string; pipelineId?: number } = {}): Promise<Rule[]> {
  const { rows } = await pool.query<Rule>(
    `${RULE_SELECT} WHERE ($1::text IS NULL OR t.slug = $1) AND ($2::int IS NULL OR r.pipeline_id = $2) ORDER BY r.id`,
    [filter.team ?? null, filter.pipelineId ?? null],
  );
  return rows;
}

export async function getRule(id: number): Promise<Rule | null> {
  const { rows } = await pool.query<Rule>(`${RULE_SELECT} WHERE r.id = $1`, [id]);
  return rows[0] ?? null;
}

export async function createRule(principal: Principal, body: RuleBody): Promise<Rule> {
  const owner = await ownerFor(principal, body);
  await checkChannels(body.channelIds, owner.teamId);
  const id = await transaction(async (client) => {
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO alert_rule (team_id, pipeline_id, name, kind, params, in_app, quiet_start, quiet_end, muted_until,
                               enabled, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
       RETURNING id`,
      [...ruleColumns(owner, body), principal.user.id],
    );
    const created = rows[0]?.id ?? 0;
    await linkChannels(client, created, body.channelIds);
    return created;
  });
  return savedRule(id);
}

/** $1… of a rule's INSERT and (after its id) UPDATE: owner, name, kind and settings, in the table's order. */
function ruleColumns(owner: { teamId: number | null; pipelineId: number | null }, body: RuleBody): unknown[] {
  return [
    owner.teamId,
    owner.pipelineId,
    body.name,
    body.kind,
    JSON.stringify(body.params),
    body.inApp,
    body.quietStart ?? null,
    body.quietEnd ?? null,
    body.mutedUntil ? new Date(body.mutedUntil).toISOString() : null,
    body.enabled,
  ];
}

/** The rule's channels become `channelIds` (inside the rule's write transaction). */
async function linkChannels(client: pg.PoolClient, ruleId: number, channelIds: number[]): Promise<void> {
  await client.query("DELETE FROM alert_rule_channel WHERE rule_id = $1", [ruleId]);
  await client.query(
    "INSERT INTO alert_rule_channel (rule_id, channel_id) SELECT $1, unnest($2::int[]) ON CONFLICT DO NOTHING",
    [ruleId, channelIds],
  );
}

async function savedRule(id: number): Promise<Rule> {
  const rule = await getRule(id);
  if (!rule) throw notFound(`No rule ${id}.`);
  return rule;
}

/** Mute, unmute, enable, disable, rename, change settings or channels (the body replaces the rule's fields). */
export async function updateRule(principal: Principal, id: number, body: RuleBody): Promise<Rule> {
  const existing = await getRule(id);
  if (!existing) throw notFound(`No rule ${id}.`);
  await ownerFor(principal, existing);
  const owner = await ownerFor(principal, body);
  await checkChannels(body.channelIds, owner.teamId);
  await transaction(async (client) => {
    await client.query(
      `UPDATE alert_rule SET team_id = $2, pipeline_id = $3, name = $4, kind = $5, params = $6::jsonb, in_app = $7,
              quiet_start = $8, quiet_end = $9, muted_until = $10, enabled = $11, updated_at = now() AT TIME ZONE 'UTC'
        WHERE id = $1`,
      [id, ...ruleColumns(owner, body)],
    );
    await linkChannels(client, id, body.channelIds);
  });
  return savedRule(id);
}

export async function deleteRule(principal: Principal, id: number): Promise<void> {
  const existing = await getRule(id);
  if (!existing) throw notFound(`No rule ${id}.`);
  await ownerFor(principal, existing);
  await pool.query("DELETE FROM alert_rule WHERE id = $1", [id]);
}

async function checkTarget(kind: ChannelKind, target: string): Promise<string> {
  if (kind === "email") {
    // A channel that can never deliver is refused rather than failing every alert later.
    if (!emailConfigured())
      throw badRequest("E-mail channels need an SMTP server: set SMTP_URL (and SMTP_FROM) on the Stepwise instances.");
    const addresses = target.split(",").map((a) => a.trim());
    if (addresses.length > 20 || addresses.some((a) => !/^[^\s@,<>]+@[^\s@,<>]+\.[^\s@,<>]+$/.test(a)))
      throw badRequest("target: one or more e-mail addresses, separated by commas.");
    return addresses.join(", ");
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw badRequest("target: an http(s) URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw badRequest("target: an http(s) URL.");
  if (url.username || url.password) throw badRequest("target: credentials in the URL are not allowed.");
  const refused = await refusedTarget(url);
  if (refused)
    throw badRequest(
      `target: ${refused}; alerts are only sent to public addresses (STEPWISE_ALLOW_PRIVATE_WEBHOOKS=1 allows others).`,
    );
  // The label shows where alerts go, never the path (a Slack webhook URL's path is its secret).
  return `${url.protocol}//${url.host}`;
}

export async function createChannel(
  principal: Principal,
  body: ChannelBody,
): Promise<{ channel: Channel; secret: string | null }> {
  const owner = await ownerFor(principal, { team: body.team });
  const label = await checkTarget(body.kind, body.target);
  const secret = body.kind === "webhook" ? newSigningSecret() : null;
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO alert_channel (team_id, kind, name, label, target_ciphertext, secret_ciphertext, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now() AT TIME ZONE 'UTC') RETURNING id`,
    [
      owner.teamId,
      body.kind,
      body.name,
      label,
      encryptSecret(body.target),
      secret ? encryptSecret(secret) : null,
      principal.user.id,
    ],
  );
  const channel = await getChannel(rows[0]?.id ?? 0);
  if (!channel) throw notFound("Channel vanished.");
  return { channel, secret };
}

export async function getChannel(id: number): Promise<Channel | null> {
  const { rows } = await pool.query<Channel>(`${CHANNEL_SELECT} WHERE c.id = $1`, [id]);
  return rows[0] ?? null;
}

export async function listChannels(filter: { team?: string } = {}): Promise<Channel[]> {
  const { rows } = await pool.query<Channel>(
    `${CHANNEL_SELECT} WHERE ($1::text IS NULL OR t.slug = $1) ORDER BY c.id`,
    [filter.team ?? null],
  );
  return rows;
}

export async function deleteChannel(principal: Principal, id: number): Promise<void> {
  const channel = await getChannel(id);
  if (!channel) throw notFound(`No channel ${id}.`);
  await ownerFor(principal, { team: channel.team });
  await pool.query("DELETE FROM alert_channel WHERE id = $1", [id]);
}

export type Delivery = {
  id: number;
  alertId: number;
  title: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastResponse: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
};

/** The channel's delivery log, newest first (visible to whoever may change the channel). */
export async function listDeliveries(principal: Principal, channelId: number, limit = 50): Promise<Delivery[]> {
  const channel = await getChannel(channelId);
  if (!channel) throw notFound(`No channel ${channelId}.`);
  await ownerFor(principal, { team: channel.team });
  const { rows } = await pool.query<Delivery>(
    `SELECT d.id, d.alert_id AS "alertId", a.title, d.status, d.attempts, d.last_status AS "lastStatus",
            d.last_response AS "lastResponse", d.last_error AS "lastError", ${ISO("d.created_at")} AS "createdAt",
            ${ISO("d.sent_at")} AS "sentAt"
       FROM alert_delivery d JOIN alert a ON a.id = d.alert_id
      WHERE d.channel_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
    [channelId, limit],
  );
  return rows;
}

// ───────────────────────────── watches and the inbox ─────────────────────────────

export async function setWatch(userId: string, pipelineId: number, watching: boolean): Promise<boolean> {
  const { rows } = await pool.query<{ id: number }>("SELECT id FROM pipeline WHERE id = $1", [pipelineId]);
  if (rows.length === 0) throw notFound(`No pipeline ${pipelineId}.`);
  if (watching)
    await pool.query(
      `INSERT INTO pipeline_watch (user_id, pipeline_id, created_at) VALUES ($1, $2, now() AT TIME ZONE 'UTC')
       ON CONFLICT DO NOTHING`,
      [userId, pipelineId],
    );
  else await pool.query("DELETE FROM pipeline_watch WHERE user_id = $1 AND pipeline_id = $2", [userId, pipelineId]);
  return watching;
}

export async function isWatching(userId: string, pipelineId: number): Promise<boolean> {
  const { rowCount } = await pool.query("SELECT 1 FROM pipeline_watch WHERE user_id = $1 AND pipeline_id = $2", [
    userId,
    pipelineId,
  ]);
  return (rowCount ?? 0) > 0;
}

export type InboxEntry = {
  id: number;
  alertId: number;
  title: string;
  kind: RuleKind;
  runUrl: string | null;
  runPublicId: string | null;
  /** The page the alert is about: its run, or the model card waiting for review. */
  path: string | null;
  changes: string[];
  createdAt: string;
  read: boolean;
};

/** The user's newest inbox entries and unread count, in one statement. */
export async function getInbox(userId: string, limit = 20): Promise<{ unread: number; items: InboxEntry[] }> {
  const { rows } = await pool.query<{ unread: number; items: InboxEntry[] }>(
    `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM inbox_item WHERE user_id = $1 AND read_at IS NULL LIMIT 1000) u)
              AS unread,
            coalesce((SELECT json_agg(x ORDER BY x."createdAt" DESC, x.id DESC) FROM (
              SELECT i.id, a.id AS "alertId", a.title, a.kind, a.payload -> 'run' ->> 'url' AS "runUrl",
                     a.payload -> 'run' ->> 'publicId' AS "runPublicId",
                     CASE WHEN a.payload -> 'run' ->> 'publicId' IS NOT NULL
                          THEN '/runs/' || (a.payload -> 'run' ->> 'publicId')
                          WHEN a.payload -> 'model' ->> 'id' IS NOT NULL
                          THEN '/models/' || (a.payload -> 'model' ->> 'id') || '?version='
                               || (a.payload -> 'model' ->> 'version') END AS path,
                     coalesce(a.payload -> 'changes', '[]') AS changes, ${ISO("i.created_at")} AS "createdAt",
                     i.read_at IS NOT NULL AS read
                FROM inbox_item i JOIN alert a ON a.id = i.alert_id
               WHERE i.user_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT $2) x), '[]') AS items`,
    [userId, limit],
  );
  return rows[0] ?? { unread: 0, items: [] };
}

export async function markInboxRead(userId: string, ids: number[] | "all"): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE inbox_item SET read_at = now() AT TIME ZONE 'UTC'
      WHERE user_id = $1 AND read_at IS NULL AND ($2::int[] IS NULL OR id = ANY($2::int[]))`,
    [userId, ids === "all" ? null : ids],
  );
  return rowCount ?? 0;
}
