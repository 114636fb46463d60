/**
 * Discovery when another instance writes the same rows at the same moment: a team (or definition
 * revision) inserted by a concurrent transaction must still be linked, not dropped to NULL because the
 * statement's snapshot predates the other commit. The interleaving is forced, not left to chance: the
 * other transaction holds the row until our INSERT is seen waiting on its lock, then commits.
 */
import { randomBytes } from "node:crypto";
import { getMaxListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import type { RunningEmulator } from "@/lib/emulator";
import { discoverPipelines } from "./discovery";
import { createSyncContext } from "./pass";
import { createTestSource, memoryLogger, reloadSource, startTestEmulator } from "./testing";

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startTestEmulator({ demo: false });
});
afterAll(async () => {
  await emu?.stop();
});

/** Resolves once some backend is waiting on a row lock while running `fragment`. */
async function waitForLockWait(fragment: string): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`,
      [fragment],
    );
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("discovery under a concurrent writer", () => {
  it("links the team another transaction inserts while our insert waits for it", async () => {
    const teamName = `Race ${randomBytes(4).toString("hex")}`;
    const slug = teamName.toLowerCase().replace(/\s+/g, "-");
    emu.createStateMachine({
      name: `race-${randomBytes(4).toString("hex")}`,
      definition: JSON.stringify({ StartAt: "A", States: { A: { Type: "Pass", End: true } } }),
      tags: { team: teamName },
    });
    const source = await createTestSource(emu);
    const other = await pool.connect();
    try {
      await other.query("BEGIN");
      const { rows } = await other.query<{ id: number }>("INSERT INTO team (slug, name) VALUES ($1, $2) RETURNING id", [
        slug,
        teamName,
      ]);
      const { ctx, close } = createSyncContext(await reloadSource(source.key), { log: memoryLogger() });
      try {
        const discovery = discoverPipelines(ctx);
        await waitForLockWait("INSERT INTO team");
        await other.query("COMMIT");
        await discovery;
      } finally {
        close();
      }
      const stored = await pool.query<{ team_id: number | null }>("SELECT team_id FROM pipeline WHERE source_id = $1", [
        source.id,
      ]);
      expect(stored.rows).toEqual([{ team_id: rows[0]?.id }]);
    } finally {
      other.release();
    }
  });
});

describe("the sync context", () => {
  it("lets every concurrent AWS call of a pass listen to its signal without Node's listener-leak warning", async () => {
    const source = await createTestSource(emu);
    const outer = new AbortController();
    for (const options of [{}, { signal: outer.signal }]) {
      const { ctx, close } = createSyncContext(await reloadSource(source.key), { log: memoryLogger(), ...options });
      try {
        expect(ctx.signal && getMaxListeners(ctx.signal)).toBeGreaterThanOrEqual(1_000);
      } finally {
        close();
      }
    }
  });
});
