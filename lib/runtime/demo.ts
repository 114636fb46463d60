/**
 * Demo mode: with no AWS source configured, Stepwise runs the local AWS emulator
 * (lib/emulator) with its demo pipelines and syncs from it, so a fresh
 * `npm start` shows the real product, live. STEPWISE_DEMO=on|off forces it.
 */
import { existsSync } from "node:fs";

export function awsSourcesConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.STEPWISE_SOURCES) || existsSync(env.STEPWISE_SOURCES_FILE ?? "stepwise.sources.json");
}

export function demoEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env.STEPWISE_DEMO?.toLowerCase();
  if (flag === "on" || flag === "1" || flag === "true") return true;
  if (flag === "off" || flag === "0" || flag === "false") return false;
  return !awsSourcesConfigured(env);
}
