/**
 * A second app instance on the e2e database, started exactly as `npm start` starts it: it serves pages and
 * streams only (the e2e server syncs the shared database), on `port`, with its demo IdP on `idpPort`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import path from "node:path";
import { e2eEnv } from "./env";

export type SecondInstance = { process: ChildProcess; stop: () => Promise<void> };

export async function startSecondInstance(options: {
  port: number;
  idpPort: number;
  /** More environment for this instance (NEXTAUTH_URL, STEPWISE_FRAME_ANCESTORS, …). */
  env?: Record<string, string>;
  /** A file for its output (else it is dropped). */
  logFile?: string;
}): Promise<SecondInstance> {
  const env = e2eEnv();
  let stdio: "ignore" | ["ignore", number, number] = "ignore";
  if (options.logFile) {
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    const log = openSync(options.logFile, "w");
    stdio = ["ignore", log, log];
  }
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    stdio,
    env: {
      ...process.env,
      PORT: String(options.port),
      DATABASE_URL: env.databaseUrl,
      NEXT_DIST_DIR: env.distDir,
      STEPWISE_DATA_DIR: env.dataDir,
      STEPWISE_DEMO: "off",
      STEPWISE_SYNC: "off",
      LOCAL_IDP_PORT: String(options.idpPort),
      ...options.env,
    },
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `the instance on ${options.port} exited (${child.exitCode})${options.logFile ? `; see ${options.logFile}` : ""}`,
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the instance on ${options.port} did not start`);
    }
    try {
      if ((await fetch(`http://localhost:${options.port}/api/health`)).ok) break;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { process: child, stop };
}
