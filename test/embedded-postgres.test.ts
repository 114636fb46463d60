import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "@/lib/db/embedded";

function postmasterRunning(dataDir: string): boolean {
  const out = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
  return out.split("\n").some((line) => line.includes("postgres") && line.includes(dataDir));
}

describe("embedded Postgres", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("starts on a free port, stops without leaving a process, and keeps data between starts", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "stepwise-embedded-"));
    await chmod(dir, 0o755);
    const dataDir = path.join(dir, "pg");

    const first = await startEmbeddedPostgres({ dataDir, database: "keep" });
    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    await client.query("CREATE TABLE kept (value text)");
    await client.query("INSERT INTO kept VALUES ('survives a restart')");
    await client.end();
    expect(postmasterRunning(dataDir)).toBe(true);
    await first.stop();
    expect(postmasterRunning(dataDir)).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir, database: "keep" });
    try {
      expect(second.url).toMatch(/^postgresql:\/\/stepwise:[^@]+@127\.0\.0\.1:\d+\/keep$/);
      const again = new pg.Client({ connectionString: second.url });
      await again.connect();
      const rows = await again.query("SELECT value FROM kept");
      await again.end();
      expect(rows.rows).toEqual([{ value: "survives a restart" }]);
    } finally {
      await second.stop();
    }
    expect(postmasterRunning(dataDir)).toBe(false);
  });

  it("recovers when a previous postmaster was left running", async () => {
    const dataDir = path.join(dir, "pg");
    const orphan = await startEmbeddedPostgres({ dataDir, database: "keep" });
    const pid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
    expect(pid).toBeGreaterThan(0);
    // Simulate the owning process dying without stopping it: start again on the same directory.
    const next = await startEmbeddedPostgres({ dataDir, database: "keep" });
    try {
      const client = new pg.Client({ connectionString: next.url });
      await client.connect();
      const rows = await client.query("SELECT count(*)::int AS n FROM kept");
      await client.end();
      expect(rows.rows[0].n).toBe(1);
      expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      await next.stop();
      await orphan.stop().catch(() => {});
    }
  });
});
