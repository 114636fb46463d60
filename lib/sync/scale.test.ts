/**
 * Limits of AWS that the sync must handle: a 25,000-event history (a Map over 6,250 items) and 256 KiB
 * execution input/output, stored and derived exactly; an incremental re-sync of the finished run costs
 * nothing, and NOTIFY carries only live_event ids.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import { LIVE_CHANNEL } from "@/lib/live/notify";
import {
  adminStats,
  createTestSource,
  expectMatchesEmulator,
  resetStats,
  runPass,
  sdkClient,
  startFileEmulator,
} from "./testing";

const emu = await startFileEmulator({ demo: false });

describe("AWS limits", () => {
  it("syncs a 25,000-event history and 256 KiB input/output exactly", async () => {
    const big = emu.createStateMachine({
      name: "big-map",
      definition: JSON.stringify({
        StartAt: "Fan",
        States: {
          Fan: {
            Type: "Map",
            ItemsPath: "$.items",
            ItemProcessor: { StartAt: "Work", States: { Work: { Type: "Pass", End: true } } },
            ResultPath: null,
            End: true,
          },
        },
      }),
    });
    const payload = emu.createStateMachine({
      name: "big-payload",
      definition: JSON.stringify({ StartAt: "Echo", States: { Echo: { Type: "Pass", End: true } } }),
    });
    const sfn = sdkClient(emu);
    const { StartExecutionCommand } = await import("@aws-sdk/client-sfn");
    const items = Array.from({ length: 6_250 }, (_, i) => i);
    const { executionArn: bigArn = "" } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: big.arn, input: JSON.stringify({ items }) }),
    );
    // 262,144 bytes is the AWS limit for input and output; stay just under with a multi-byte character.
    const blob = `é${"x".repeat(256 * 1024 - 40)}`;
    const input = JSON.stringify({ blob });
    expect(Buffer.byteLength(input)).toBeLessThanOrEqual(262_144);
    const { executionArn: payloadArn = "" } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: payload.arn, input }),
    );
    await emu.waitForExecution(bigArn);
    await emu.waitForExecution(payloadArn);

    const source = await createTestSource(emu);
    const listener = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await listener.connect();
    const payloads: string[] = [];
    listener.on("notification", (n) => payloads.push(n.payload ?? ""));
    await listener.query(`LISTEN ${LIVE_CHANNEL}`);
    try {
      const summary = await runPass(source, { full: true });
      expect(summary.failures).toBe(0);
      const run = (await pool.query("SELECT * FROM run WHERE execution_arn = $1", [bigArn])).rows[0];
      expect(run.last_event_id).toBeGreaterThanOrEqual(25_000);
      expect(run.history_complete).toBe(true);
      const iterations = await pool.query(
        "SELECT count(*)::int AS n FROM step WHERE run_id = $1 AND map_iteration_index IS NOT NULL",
        [run.id],
      );
      expect(iterations.rows[0].n).toBe(6_250);
      const echo = (await pool.query("SELECT * FROM run WHERE execution_arn = $1", [payloadArn])).rows[0];
      expect(echo.input).toBe(input);
      expect(echo.output).toBe(input);
      const step = (await pool.query("SELECT input, output FROM step WHERE run_id = $1", [echo.id])).rows[0];
      expect(step).toEqual({ input, output: input });
      await expectMatchesEmulator(sfn, source);

      // Live: the NOTIFY payloads only carry live_event ids, and those rows name the new runs.
      await new Promise((r) => setTimeout(r, 50));
      expect(payloads.length).toBeGreaterThan(0);
      const ids: number[] = [];
      for (const p of payloads) {
        expect(p.length).toBeLessThan(8000);
        const parsed = JSON.parse(p) as { first?: number; last?: number; ids?: number[] };
        if (parsed.ids) ids.push(...parsed.ids);
        else for (let i = parsed.first ?? 0; i <= (parsed.last ?? -1); i++) ids.push(i);
      }
      const live = await pool.query("SELECT topic, kind, entity_id FROM live_event WHERE id = ANY($1::bigint[])", [
        ids,
      ]);
      const topics = new Set(live.rows.map((r) => r.topic));
      expect(topics.has("pipelines")).toBe(true);
      expect(topics.has(`run:${run.public_id}`)).toBe(true);
      expect(topics.has(`pipeline:${run.pipeline_id}`)).toBe(true);

      // The finished 25,000-event run is never fetched again.
      await resetStats(emu);
      await runPass(source, { full: true });
      expect((await adminStats(emu))["sfn:GetExecutionHistory"] ?? 0).toBe(0);
    } finally {
      await listener.end();
    }
  });
});
