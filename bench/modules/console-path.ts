/**
 * A peer's data path, side by side in the same run: what the Step Functions console does on every view of a run
 * (page GetExecutionHistory until the end, 1,000 events a page, with the execution data) against what Stepwise
 * does (the run page's server time, and the full step list the page loads after its first paint), for the same
 * ~2,000-step execution run by the local emulator and synced into the bench database.
 *
 * Fairness: the emulator serves the history from memory on loopback, with no TLS, no network and no throttling
 * — the most favourable case for the console path (against AWS each page adds a round trip of tens of ms and
 * spends a token of GetExecutionHistory's bucket); the console then still has to derive the steps in the
 * browser, which is not counted. Stepwise's side includes authentication, the SQL and the HTML/JSON rendering,
 * but not the sync that stored the run (paid once, in the background, not per view).
 */
import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { startEmulator } from "@/lib/emulator";
import { sample, summarise } from "../lib/stats";
import type { BenchModule, Measurement } from "../lib/types";
import { timeGet } from "./http-pages";

const ACCOUNT = "210987654399";

/** A Map over `items` markets, two states per iteration: about 2 × items steps. */
const definition = {
  StartAt: "Prepare",
  States: {
    Prepare: { Type: "Pass", Next: "Markets" },
    Markets: {
      Type: "Map",
      ItemsPath: "$.markets",
      MaxConcurrency: 50,
      ItemProcessor: {
        StartAt: "Train",
        States: {
          Train: { Type: "Pass", Result: { auc: 0.91, loss: 0.123, rows: 123456 }, Next: "Evaluate" },
          Evaluate: { Type: "Pass", End: true },
        },
      },
      Next: "Register",
    },
    Register: { Type: "Pass", End: true },
  },
};

export const consolePath: BenchModule = {
  name: "console-path",
  async run(ctx) {
    const emulator = await startEmulator({
      port: 0,
      demo: false,
      timeScale: 100_000,
      accountId: ACCOUNT,
      log: () => {},
    });
    const previous = process.env.STEPWISE_SOURCES;
    try {
      const sfn = new SFNClient({
        endpoint: emulator.url,
        region: emulator.region,
        credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
      });
      const machine = emulator.createStateMachine({
        name: "bench-console-2000",
        definition: JSON.stringify(definition),
      });
      const markets = Array.from({ length: 1000 }, (_, i) => ({ market: `m${i}` }));
      const { executionArn = "" } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: machine.arn, input: JSON.stringify({ markets }) }),
      );
      await emulator.waitForExecution(executionArn);

      let pages = 0;
      let events = 0;
      let bytes = 0;
      const consoleView = async () => {
        pages = 0;
        events = 0;
        bytes = 0;
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(
            new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, includeExecutionData: true, nextToken }),
          );
          pages++;
          events += page.events?.length ?? 0;
          bytes += JSON.stringify(page.events ?? []).length;
          nextToken = page.nextToken;
        } while (nextToken);
      };
      const iterations = ctx.scale === "quick" ? 20 : 60;
      const consoleTimes = summarise(await sample(consoleView, iterations, 2));

      // Stepwise: sync the same execution once, then measure its page and its full step list.
      process.env.STEPWISE_SOURCES = JSON.stringify([
        { key: "bench-console", accountId: ACCOUNT, region: emulator.region, endpoint: emulator.url },
      ]);
      process.env.AWS_ACCESS_KEY_ID ??= "bench";
      process.env.AWS_SECRET_ACCESS_KEY ??= "bench";
      const { runSyncPass } = await import("@/lib/sync/pass");
      const quiet = { info() {}, warn() {}, error() {} };
      await runSyncPass({ sourceKey: "bench-console", full: true, log: quiet });
      const { rows } = await ctx.pool.query<{ public_id: string; step_count: number }>(
        "SELECT public_id, step_count FROM run WHERE execution_arn = $1",
        [executionArn],
      );
      const run = rows[0];
      if (!run) {
        ctx.log("  console-path: the execution was not synced, skipped");
        return [];
      }
      const page = await timeGet(ctx, `/runs/${run.public_id}`, "cookie", iterations);
      const steps = await timeGet(ctx, `/api/v1/runs/${run.public_id}/steps`, "token", iterations);
      const out: Measurement[] = [
        {
          name: `console path: GetExecutionHistory paged for one view (${run.step_count.toLocaleString("en-US")}-step run, emulator)`,
          unit: "ms",
          summary: consoleTimes,
          target: "(peer's data path per view; informative)",
          met: null,
          notes: `${pages} pages, ${events.toLocaleString("en-US")} events, ${(bytes / 1024).toFixed(0)} KiB of events per view; loopback, no TLS, no throttling (favours the console)`,
        },
      ];
      if (page?.status === 200)
        out.push({
          name: "console path: Stepwise run page for the same run (server time)",
          unit: "ms",
          summary: page.times,
          target: "faster than the console's data path",
          met: page.times.p50 < consoleTimes.p50,
          ratio: { value: consoleTimes.p50 / page.times.p50, baseline: "console path p50 ÷ Stepwise p50 (× faster)" },
          notes: `HTML ${(page.bytes / 1024).toFixed(0)} KiB, ${page.queries} SQL statements incl. auth`,
        });
      if (steps?.status === 200)
        out.push({
          name: "console path: Stepwise full step list for the same run (/api/v1/runs/{id}/steps)",
          unit: "ms",
          summary: steps.times,
          target: "(what the page loads after its first paint; informative)",
          met: null,
          ratio: { value: consoleTimes.p50 / steps.times.p50, baseline: "console path p50 ÷ this p50" },
          notes: `${(steps.bytes / 1024).toFixed(0)} KiB JSON`,
        });
      return out;
    } finally {
      if (previous === undefined) delete process.env.STEPWISE_SOURCES;
      else process.env.STEPWISE_SOURCES = previous;
      await emulator.stop();
    }
  },
};
