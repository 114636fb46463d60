/** What e2e/support/server.ts shares with the specs about the app under test. */
import { readFileSync } from "node:fs";
import path from "node:path";

export type E2eEnv = {
  databaseUrl: string;
  emulatorUrl: string;
  dataDir: string;
  distDir: string;
  /** The app's METRICS_TOKEN (for /api/metrics and /api/health details). */
  metricsToken: string;
  /** The app's EVENTBRIDGE_SECRET (the ingest route's own credential). */
  eventBridgeSecret: string;
};

export function e2eEnvFile(port: number): string {
  return path.resolve(`.data/e2e-${port}.json`);
}

export function e2eEnv(): E2eEnv {
  return JSON.parse(readFileSync(e2eEnvFile(Number(process.env.E2E_PORT ?? 3100)), "utf8")) as E2eEnv;
}
