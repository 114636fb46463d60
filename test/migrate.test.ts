import { cp, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MigrationError, migrate, readMigrations } from "@/lib/db/migrate";

// Runs against a scratch database on the same server as the test database.
async function scratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(process.env.DATABASE_URL ?? "");
  const name = `migrate_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

describe("migrate()", () => {
  let db: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    db = await scratchDatabase();
  });
  afterAll(() => db.drop());

  it("applies every migration once, records it like Prisma, and is idempotent", async () => {
    const migrations = await readMigrations();
    const first = await migrate({ databaseUrl: db.url });
    expect(first.applied).toEqual(migrations.map((m) => m.name));
    const second = await migrate({ databaseUrl: db.url });
    expect(second).toEqual({ applied: [], alreadyApplied: migrations.length });

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const rows = await client.query(`SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY 1`);
    await client.end();
    expect(rows.rows.map((r) => [r.migration_name, r.checksum])).toEqual(migrations.map((m) => [m.name, m.checksum]));
    expect(rows.rows.every((r) => r.finished_at instanceof Date)).toBe(true);
  });

  it("names each migration it applies to an existing database, and none on a new one", async () => {
    const migrations = await readMigrations();
    const fresh = await scratchDatabase();
    const older = await mkdtemp(path.join(os.tmpdir(), "stepwise-migrations-"));
    try {
      // The database as the previous release left it: every migration but the newest.
      for (const m of migrations.slice(0, -1))
        await cp(path.resolve("prisma/migrations", m.name), path.join(older, m.name), { recursive: true });
      const newLines: string[] = [];
      await migrate({ databaseUrl: fresh.url, migrationsDir: older, log: (line) => newLines.push(line) });
      expect(newLines.filter((l) => l.startsWith("applied migration"))).toEqual([]);
      const upgradeLines: string[] = [];
      const upgrade = await migrate({ databaseUrl: fresh.url, log: (line) => upgradeLines.push(line) });
      expect(upgrade.applied).toEqual([migrations.at(-1)?.name]);
      expect(upgradeLines).toEqual([`applied migration ${migrations.at(-1)?.name}`]);
    } finally {
      await fresh.drop();
    }
  });

  it("is safe when several processes migrate at once (advisory lock)", async () => {
    const fresh = await scratchDatabase();
    try {
      const results = await Promise.all([1, 2, 3].map(() => migrate({ databaseUrl: fresh.url })));
      const appliedTotal = results.reduce((n, r) => n + r.applied.length, 0);
      expect(appliedTotal).toBe((await readMigrations()).length);
    } finally {
      await fresh.drop();
    }
  });

  it("refuses to run when an applied migration's file changed", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "stepwise-migrations-"));
    await cp(path.resolve("prisma/migrations"), dir, { recursive: true });
    const [first] = await readMigrations(dir);
    if (!first) throw new Error("no migrations");
    await writeFile(path.join(dir, first.name, "migration.sql"), `${first.sql}\n-- edited\n`);
    await expect(migrate({ databaseUrl: db.url, migrationsDir: dir })).rejects.toThrow(MigrationError);
    await expect(migrate({ databaseUrl: db.url, migrationsDir: dir })).rejects.toThrow(/modified after it was applied/);
  });

  it("rolls back a failing migration and records nothing", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "stepwise-migrations-"));
    await cp(path.resolve("prisma/migrations"), dir, { recursive: true });
    const { mkdir } = await import("node:fs/promises");
    await mkdir(path.join(dir, "29990101000000_broken"));
    await writeFile(
      path.join(dir, "29990101000000_broken", "migration.sql"),
      `CREATE TABLE "half_done" (id int);\nSELECT * FROM no_such_table;\n`,
    );
    await expect(migrate({ databaseUrl: db.url, migrationsDir: dir })).rejects.toThrow(/rolled back/);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const table = await client.query(`SELECT to_regclass('half_done') AS t`);
    const recorded = await client.query(
      `SELECT 1 FROM _prisma_migrations WHERE migration_name = '29990101000000_broken'`,
    );
    await client.end();
    expect(table.rows[0].t).toBeNull();
    expect(recorded.rowCount).toBe(0);
  });
});
