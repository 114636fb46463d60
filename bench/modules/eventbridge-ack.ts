/**
 * How long the EventBridge ingest route takes to acknowledge a full batch (100 events, the most it
 * accepts): parse + validate + one INSERT into the queue + NOTIFY. The handling itself happens later in
 * the sync worker, so this is what EventBridge's API destination waits for.
 */
import { randomBytes } from "node:crypto";
import { sample, summarise } from "../lib/stats";
import type { BenchModule } from "../lib/types";

export const eventbridgeAck: BenchModule = {
  name: "eventbridge-ack",
  async run(ctx) {
    const { MAX_EVENTS_PER_REQUEST, parseIngestBody, queueEvents } = await import("@/lib/sync/eventbridge");
    const prefix = `bench-eb-${randomBytes(4).toString("hex")}`;
    let n = 0;
    const batch = () =>
      JSON.stringify(
        Array.from({ length: MAX_EVENTS_PER_REQUEST }, () => ({
          version: "0",
          id: `${prefix}-${n++}`,
          "detail-type": "Step Functions Execution Status Change",
          source: "aws.states",
          account: "210987654321",
          region: "eu-west-1",
          time: new Date(0).toISOString(),
          resources: [],
          detail: {
            executionArn: `arn:aws:states:eu-west-1:210987654321:execution:bench:${n}`,
            stateMachineArn: "arn:aws:states:eu-west-1:210987654321:stateMachine:bench",
            status: "SUCCEEDED",
          },
        })),
      );
    try {
      const samples = await sample(
        async () => {
          const parsed = parseIngestBody(batch());
          if ("error" in parsed) throw new Error(parsed.error);
          await queueEvents(parsed.events, { db: ctx.pool });
        },
        ctx.scale === "quick" ? 50 : 200,
      );
      const summary = summarise(samples);
      return [
        {
          name: "EventBridge ingest acknowledgement, 100-event batch",
          unit: "ms",
          summary,
          target: "acknowledged within 100 ms whatever the batch",
          met: summary.p95 <= 100,
          notes: "parse + validate + one INSERT … json_to_recordset + NOTIFY; handling is the worker's",
        },
      ];
    } finally {
      await ctx.pool.query("DELETE FROM ingested_event WHERE id LIKE $1", [`${prefix}-%`]);
    }
  },
};
