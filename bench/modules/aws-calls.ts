/**
 * AWS calls per sync pass against the emulator, with N running and M finished
 * runs: the first (full) pass, then an incremental pass in which finished runs
 * must cost zero DescribeExecution / GetExecutionHistory calls.
 */
import { startEmulator } from "@/lib/emulator";
import type { BenchModule, Measurement } from "../lib/types";

const sum = (calls: Record<string, number>, pick: (op: string) => boolean) =>
  Object.entries(calls).reduce((n, [op, count]) => (pick(op) ? n + count : n), 0);

export const awsCalls: BenchModule = {
  name: "aws-calls",
  async run(ctx) {
    const finished = ctx.scale === "quick" ? 40 : 200;
    const running = 4;
    const emulator = await startEmulator({
      port: 0,
      seed: "bench",
      backfillRuns: finished,
      scheduler: false,
      taskMode: "manual",
      accountId: "210987654321",
      log: () => {},
    });
    const previous = process.env.STEPWISE_SOURCES;
    try {
      for (let i = 0; i < running; i++)
        emulator.startDemoRun(i % 2 ? "return-probability" : "size-recommendation-training");
      process.env.STEPWISE_SOURCES = JSON.stringify([
        { key: "bench-aws", accountId: "210987654321", region: emulator.region, endpoint: emulator.url },
      ]);
      process.env.AWS_ACCESS_KEY_ID ??= "bench";
      process.env.AWS_SECRET_ACCESS_KEY ??= "bench";
      const { runSyncPass } = await import("@/lib/sync/pass");
      const snapshot = () => ({ ...emulator.stats().calls });
      const diff = (a: Record<string, number>, b: Record<string, number>) =>
        Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));
      const quiet = { info() {}, warn() {}, error() {} };

      const s0 = snapshot();
      await runSyncPass({ sourceKey: "bench-aws", full: true, log: quiet });
      const s1 = snapshot();
      await runSyncPass({ sourceKey: "bench-aws", full: false, log: quiet });
      const s2 = snapshot();
      const first = diff(s0, s1);
      const second = diff(s1, s2);
      const perRun = (calls: Record<string, number>) =>
        sum(calls, (op) => /DescribeExecution$|GetExecutionHistory$/.test(op));
      const out: Measurement[] = [
        {
          name: `AWS calls, first full pass (${running} running, ${finished} finished runs)`,
          unit: "calls",
          value: sum(first, () => true),
          target: "(initial sync; no target)",
          met: null,
          notes: Object.entries(first)
            .filter(([, n]) => n > 0)
            .map(([op, n]) => `${op} ${n}`)
            .join(", "),
        },
        {
          name: "AWS calls, next incremental pass: per-execution calls",
          unit: "calls",
          value: perRun(second),
          target: `finished runs cost 0 calls (≤ ${running} for the running ones)`,
          met: perRun(second) <= running,
          notes: `all calls in that pass: ${Object.entries(second)
            .filter(([, n]) => n > 0)
            .map(([op, n]) => `${op} ${n}`)
            .join(", ")}`,
        },
      ];
      return out;
    } finally {
      if (previous === undefined) delete process.env.STEPWISE_SOURCES;
      else process.env.STEPWISE_SOURCES = previous;
      await emulator.stop();
    }
  },
};
