/**
 * A newcomer's first `npm start` fits one screen and ends with the URL and the demo logins: no Node
 * process warnings (the AWS SDK's Node-version notice, listener leaks), no build warnings (Turbopack
 * tracing our files), the build's own output kept in .data/build.log. Reads what e2e/support/server.ts
 * recorded of the app under test, which is started exactly as `npm start` starts it.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { e2eEnv } from "./support/env";

const WARNING = /\bWarning\b|⚠|\bwarn(ing)?s?:/i;

test("npm start prints one screen, no warnings, and ends with the URL and the demo logins", async () => {
  const { dataDir } = e2eEnv();
  const lines = readFileSync(path.join(dataDir, "start.log"), "utf8").split("\n");
  const url = lines.findIndex((line) => /^\[stepwise\] Stepwise is running at http:\/\/localhost:\d+$/.test(line));
  expect(url, lines.join("\n")).toBeGreaterThan(0);
  const logins = lines.slice(url + 1).filter((line) => line.startsWith("[stepwise] "));
  expect(logins[0]).toMatch(/^\[stepwise\] login: local demo IdP at http/);
  expect(logins.slice(1).some((line) => line.includes("@"))).toBe(true);
  // Everything up to the URL block: one screen, no warnings.
  const startUp = lines.slice(0, url + 1 + logins.length);
  expect(startUp.length, startUp.join("\n")).toBeLessThanOrEqual(30);
  expect(startUp.filter((line) => WARNING.test(line))).toEqual([]);
  // The build's output (when this start built the app): no warning.
  const buildLog = path.join(dataDir, "build.log");
  if (existsSync(buildLog)) {
    const warnings = readFileSync(buildLog, "utf8")
      .split("\n")
      .filter((line) => WARNING.test(line));
    expect(warnings).toEqual([]);
  }
});

test("the build leaves the committed tsconfig.json as it is", () => {
  // Next.js adds its type folders to the `include` of the tsconfig it builds with (one pair per build
  // directory); it builds with tsconfig.next.json, which only extends tsconfig.json and is never rewritten.
  const { distDir } = e2eEnv();
  const include: string[] = JSON.parse(readFileSync("tsconfig.json", "utf8")).include;
  expect(include.filter((entry) => entry.startsWith(`${distDir}/`))).toEqual([]);
});
