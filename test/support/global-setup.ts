/**
 * One fresh, migrated Postgres for the whole Vitest run: a database created on
 * the server in TEST_DATABASE_URL when it is set (the CI's Postgres 15 service),
 * otherwise an embedded PostgreSQL in a temporary directory. Tests read its URL
 * from process.env.DATABASE_URL (inherited by the worker processes).
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";

export default async function setup(): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    const name = `stepwise_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: external });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(external);
    url.pathname = `/${name}`;
    process.env.DATABASE_URL = url.toString();
    process.env.STEPWISE_TEST_DB_KIND = "external";
    await migrate({ databaseUrl: process.env.DATABASE_URL });
    return async () => {
      const cleanup = new pg.Client({ connectionString: external });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "stepwise-test-pg-"));
  // As root, embedded Postgres runs as the "postgres" user, which must be able to enter the directory.
  await chmod(dir, 0o755);
  const db = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), database: "stepwise_test" });
  process.env.DATABASE_URL = db.url;
  process.env.STEPWISE_TEST_DB_KIND = "embedded";
  try {
    await migrate({ databaseUrl: db.url });
  } catch (error) {
    await db.stop();
    throw error;
  }
  return async () => {
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
