/**
 * Which AWS accounts/regions Stepwise syncs. Configured by STEPWISE_SOURCES (a JSON array) or a file
 * (STEPWISE_SOURCES_FILE, default ./stepwise.sources.json when present); with neither and the demo on
 * (STEPWISE_DEMO not "off"), the local emulator at STEPWISE_DEMO_ENDPOINT is the single source "demo".
 * Configured sources are upserted into aws_source by key (a row is only rewritten when its settings changed).
 */
import "server-only";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { z } from "zod";
import { pool as defaultPool } from "@/lib/db";
import type { AwsSource } from "@/lib/generated/prisma/client";

export const SourceConfigSchema = z.object({
  key: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "key: 1-64 letters, digits, '.', '_' or '-'"),
  accountId: z.string().regex(/^\d{12}$/, "accountId: 12 digits"),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "region: e.g. eu-west-1"),
  roleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "roleArn: an IAM role ARN")
    .optional(),
  externalId: z.string().min(1).optional(),
  endpoint: z.url().optional(),
  filterTag: z
    .string()
    .regex(/^[^=]+=.*$/, 'filterTag: "key=value"')
    .optional(),
  namePrefix: z.string().min(1).optional(),
  enabled: z.boolean().optional(),
});
export type SourceConfig = z.infer<typeof SourceConfigSchema>;

export const DEMO_ACCOUNT_ID = "123456789012";
export const DEMO_REGION = "eu-west-1";

export function demoEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.STEPWISE_DEMO ?? "on").toLowerCase() !== "off";
}

export type SourceConfigResult = { sources: SourceConfig[]; origin: "env" | "file" | "demo" | "none"; file?: string };

/** Reads the configured sources; throws with a readable message when the configuration is invalid. */
export function loadSourceConfigs(env: NodeJS.ProcessEnv = process.env): SourceConfigResult {
  const parse = (raw: string, where: string): SourceConfig[] => {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new Error(`${where} is not valid JSON: ${(error as Error).message}`);
    }
    const result = z.array(SourceConfigSchema).safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(`${where}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? "invalid"}`);
    }
    const keys = new Set<string>();
    for (const s of result.data) {
      if (keys.has(s.key)) throw new Error(`${where}: duplicate source key "${s.key}"`);
      keys.add(s.key);
    }
    return result.data;
  };
  if (env.STEPWISE_SOURCES?.trim()) return { sources: parse(env.STEPWISE_SOURCES, "STEPWISE_SOURCES"), origin: "env" };
  // Resolved at run time from the working directory; the comment keeps Turbopack from tracing the
  // whole project as possible targets of this read.
  const file = path.resolve(
    /* turbopackIgnore: true */ process.cwd(),
    env.STEPWISE_SOURCES_FILE ?? "stepwise.sources.json",
  );
  if (env.STEPWISE_SOURCES_FILE || existsSync(file)) {
    return { sources: parse(readFileSync(file, "utf8"), file), origin: "file", file };
  }
  if (demoEnabled(env) && env.STEPWISE_DEMO_ENDPOINT) {
    return {
      sources: [{ key: "demo", accountId: DEMO_ACCOUNT_ID, region: DEMO_REGION, endpoint: env.STEPWISE_DEMO_ENDPOINT }],
      origin: "demo",
    };
  }
  return { sources: [], origin: "none" };
}

const SOURCE_COLUMNS = `id, key, account_id AS "accountId", region, role_arn AS "roleArn", external_id AS "externalId",
  endpoint, filter_tag AS "filterTag", name_prefix AS "namePrefix", enabled, lease_owner AS "leaseOwner",
  lease_expires_at AS "leaseExpiresAt", cursors, last_sync_at AS "lastSyncAt", last_success_at AS "lastSuccessAt",
  last_error AS "lastError", last_error_at AS "lastErrorAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

export { SOURCE_COLUMNS };

/** Inserts or updates the configured sources by key; unchanged rows are not written. */
export async function upsertSources(configs: SourceConfig[], db: pg.Pool = defaultPool): Promise<AwsSource[]> {
  if (configs.length === 0) return [];
  const col = <K extends keyof SourceConfig>(k: K) => configs.map((c) => (c[k] ?? null) as SourceConfig[K] | null);
  const { rows } = await db.query<AwsSource>(
    `INSERT INTO aws_source AS s (key, account_id, region, role_arn, external_id, endpoint, filter_tag, name_prefix,
        enabled, updated_at)
     SELECT k, a, r, ra, ei, ep, ft, np, coalesce(en, true), now() AT TIME ZONE 'UTC'
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::boolean[]) AS t(k, a, r, ra, ei, ep, ft, np, en)
     ON CONFLICT (key) DO UPDATE SET account_id = excluded.account_id, region = excluded.region,
        role_arn = excluded.role_arn, external_id = excluded.external_id, endpoint = excluded.endpoint,
        filter_tag = excluded.filter_tag, name_prefix = excluded.name_prefix, enabled = excluded.enabled,
        updated_at = excluded.updated_at
      WHERE (s.account_id, s.region, s.role_arn, s.external_id, s.endpoint, s.filter_tag, s.name_prefix, s.enabled)
        IS DISTINCT FROM (excluded.account_id, excluded.region, excluded.role_arn, excluded.external_id,
        excluded.endpoint, excluded.filter_tag, excluded.name_prefix, excluded.enabled)`,
    [
      col("key"),
      col("accountId"),
      col("region"),
      col("roleArn"),
      col("externalId"),
      col("endpoint"),
      col("filterTag"),
      col("namePrefix"),
      col("enabled"),
    ],
  );
  void rows;
  return loadSources({ keys: configs.map((c) => c.key) }, db);
}

export async function loadSources(
  options: { keys?: string[]; enabledOnly?: boolean } = {},
  db: pg.Pool = defaultPool,
): Promise<AwsSource[]> {
  const { rows } = await db.query<AwsSource>(
    `SELECT ${SOURCE_COLUMNS} FROM aws_source
      WHERE ($1::text[] IS NULL OR key = ANY($1)) AND (NOT $2 OR enabled) ORDER BY key`,
    [options.keys ?? null, options.enabledOnly ?? false],
  );
  return rows;
}
