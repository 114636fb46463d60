/**
 * The sync's write path: history events/s (alone and with step derivation) and metric points/s. It writes into
 * the seeded database, deletes all it wrote and VACUUMs (ANALYZE) the tables it wrote (bench/ingest.ts), so the
 * modules measured after it read the tables as the seed left them.
 */
import { measureIngest } from "../ingest";
import type { BenchModule } from "../lib/types";

export const ingest: BenchModule = {
  name: "ingest",
  async run(ctx) {
    const quick = ctx.scale === "quick";
    const f = await measureIngest(ctx.pool, { events: quick ? 50_000 : 200_000, points: quick ? 100_000 : 500_000 });
    return [
      {
        name: "history ingest (bulk insert)",
        unit: "events/s",
        value: f.eventsPerSecond,
        target: "≥ 100k events/s on 2 cores",
        met: f.eventsPerSecond >= 100_000,
        notes: `${f.events.toLocaleString("en-US")} events in runs of 1,000, ${f.lanes} runs at a time as the sync writes them (one at a time: ${f.eventsPerSecondOneLane.toLocaleString("en-US")} events/s)`,
      },
      {
        name: "history ingest + step derivation and upsert",
        unit: "events/s",
        value: f.eventsWithStepsPerSecond,
        target: "≥ 50k events/s on 2 cores",
        met: f.eventsWithStepsPerSecond >= 50_000,
        notes: `a transaction per run, ${f.lanes} runs at a time`,
      },
      {
        name: "metric points ingest (bulk upsert)",
        unit: "points/s",
        value: f.pointsPerSecond,
        target: "(no numeric target)",
        met: null,
        notes: `${f.points.toLocaleString("en-US")} points`,
      },
    ];
  },
};
