/**
 * `npm run test:flaky -- [--e2e] [--runs N] [--repeat-each K] [files…]`
 *
 * Runs the chosen tests again and again, each run in a fresh process (a fresh database, a fresh app for
 * Playwright), and reports every run: a test that fails once in ten is a test that turns CI red. Vitest
 * by default (10 runs), Playwright with --e2e (3 runs; --repeat-each K repeats each test K times inside
 * a run, for the specs that touch time or live updates). All runs are made even after a failure, so the
 * summary gives the failure rate; the output of a failed run is kept in test-results/flaky/.
 * Exit status 1 when any run failed.
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";

const args = process.argv.slice(2);
const e2e = args.includes("--e2e");
let runs = e2e ? 3 : 10;
let repeatEach: number | undefined;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  if (a === "--e2e") continue;
  if (a === "--runs" || a === "--repeat-each") {
    const n = Number(args[++i]);
    if (!Number.isInteger(n) || n < 1) {
      console.error(`${a} needs a positive whole number`);
      process.exit(2);
    }
    if (a === "--runs") runs = n;
    else repeatEach = n;
    continue;
  }
  if (a === "--help" || a === "-h") {
    console.log("usage: npm run test:flaky -- [--e2e] [--runs N] [--repeat-each K] [files…]");
    process.exit(0);
  }
  files.push(a);
}
if (repeatEach && !e2e) {
  console.error("--repeat-each is a Playwright option: add --e2e");
  process.exit(2);
}

const bin = path.resolve("node_modules/.bin", e2e ? "playwright" : "vitest");
const command = e2e
  ? ["test", ...(repeatEach ? ["--repeat-each", String(repeatEach)] : []), ...files]
  : ["run", ...files];
const outDir = path.resolve("test-results/flaky");
await mkdir(outDir, { recursive: true });

console.log(
  `test:flaky: ${runs} × ${e2e ? "playwright" : "vitest"} ${command.join(" ")} (load average ${loadavg()[0]?.toFixed(2)})`,
);
const results: { run: number; ok: boolean; seconds: number }[] = [];
for (let run = 1; run <= runs; run++) {
  const started = Date.now();
  const output: Buffer[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(bin, command, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    child.stdout.on("data", (b: Buffer) => output.push(b));
    child.stderr.on("data", (b: Buffer) => output.push(b));
    child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  const seconds = (Date.now() - started) / 1000;
  const ok = code === 0;
  results.push({ run, ok, seconds });
  const text = stripVTControlCharacters(Buffer.concat(output).toString("utf8"));
  const summary = text
    .split("\n")
    .filter((l) => /^\s*(Tests|Test Files)\s|^\s*\d+ (passed|failed|flaky|skipped)/.test(l))
    .map((l) => l.trim())
    .join(" · ");
  console.log(`run ${run}/${runs}: ${ok ? "passed" : "FAILED"} in ${seconds.toFixed(1)} s  ${summary}`);
  if (!ok) {
    const file = path.join(outDir, `run-${run}.log`);
    await writeFile(file, text);
    const failures = text.split("\n").filter((l) => /FAIL|✘|×|Error:/.test(l));
    for (const line of failures.slice(0, 12)) console.log(`    ${line.trim()}`);
    console.log(`    full output: ${path.relative(process.cwd(), file)}`);
  }
}
const failed = results.filter((r) => !r.ok).length;
const total = results.reduce((a, r) => a + r.seconds, 0);
console.log(
  `test:flaky: ${runs - failed}/${runs} runs passed (${failed} failed), ${total.toFixed(0)} s in all, load average ${loadavg()[0]?.toFixed(2)}`,
);
process.exit(failed > 0 ? 1 : 0);
