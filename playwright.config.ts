import { existsSync } from "node:fs";
import { defineConfig } from "@playwright/test";
import { ADA_STATE } from "./e2e/support/login";
import { CHROMIUM_ARGS, chromiumPath } from "./lib/chromium";

// Debian's Chromium (apt-get install chromium): Playwright's own browser download is not reachable here.
const chromium = chromiumPath();
if (!existsSync(chromium)) {
  throw new Error(
    `Chromium not found at ${chromium}. Install it (apt-get install -y chromium) or set PLAYWRIGHT_CHROMIUM_PATH.`,
  );
}

const port = Number(process.env.E2E_PORT ?? 3100);
export const baseURL = `http://localhost:${port}`;

export default defineConfig({
  testDir: "e2e",
  // Per port, so parallel runs in one checkout (different E2E_PORT) keep their own traces.
  outputDir: `test-results/e2e-${port}`,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [...CHROMIUM_ARGS],
    },
  },
  projects: [
    // Logs in once through the real OIDC flow and saves the session (e2e/support/login.ts).
    { name: "setup", testMatch: /auth\.setup\.ts$/ },
    {
      name: "chromium",
      testMatch: /\.spec\.ts$/,
      dependencies: ["setup"],
      use: { storageState: ADA_STATE },
    },
  ],
  webServer: {
    command: "tsx e2e/support/server.ts",
    url: `${baseURL}/api/health`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: { PORT: String(port) },
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
  },
});
