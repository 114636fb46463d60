/**
 * The sync's public entry point: what other domains (runs, health, the API) may use. Everything else
 * under lib/sync is its own (the import rules in .dependency-cruiser.cjs hold other domains to this file).
 */
export { publicIdFor } from "./ids";
export {
  type SourceClientSettings,
  sourceClientSettings,
  syncExecutionNow,
  withSourceStepFunctions,
} from "./on-demand";
export { getSyncHealth, registerSyncMetrics, type SyncHealth } from "./status";
