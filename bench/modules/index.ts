/** Every benchmark module, in the order they run. Add a module here to add a measurement. */
import type { BenchModule } from "../lib/types";
import { awsCalls } from "./aws-calls";
import { consolePath } from "./console-path";
import { curves } from "./curves";
import { eventbridgeAck } from "./eventbridge-ack";
import { historyScale } from "./history-scale";
import { httpPages } from "./http-pages";
import { ingest } from "./ingest";
import { live } from "./live";
import { metricGraph } from "./metric-graph";
import { runGraphLayout } from "./run-graph-layout";
import { runSearch } from "./run-search";

export const modules: BenchModule[] = [
  ingest,
  awsCalls,
  eventbridgeAck,
  live,
  httpPages,
  curves,
  runSearch,
  consolePath,
  runGraphLayout,
  metricGraph,
  historyScale,
];
