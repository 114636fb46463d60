/**
 * The import rules (.dependency-cruiser.cjs, run by `npm run lint`) catch violations: deliberate ones are
 * written to temporary files in the tree and cruised with the project's own configuration (one run for
 * all of them); each must be reported under its rule's name, and a file importing only what the rules
 * allow must not be reported at all.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const tag = randomBytes(4).toString("hex");

const probes = [
  {
    rule: "components-no-db-or-sync",
    dir: "components",
    source: 'import { pool } from "@/lib/db";\nexport const p = pool;\n',
  },
  {
    rule: "components-no-db-or-sync",
    dir: "components",
    source: 'import { publicIdFor } from "@/lib/sync";\nexport const f = publicIdFor;\n',
  },
  {
    rule: "lib-not-up",
    dir: "lib/runs",
    source: 'import { GET } from "@/app/api/v1/me/route";\nexport const g = GET;\n',
  },
  {
    rule: "no-domain-internals",
    dir: "lib/runs",
    source: 'import { createCounters } from "@/lib/sync/counters";\nexport const c = createCounters;\n',
  },
  {
    rule: "lib-root-not-into-domains",
    dir: "lib",
    source: 'import { listRuns } from "@/lib/pipelines/queries";\nexport const l = listRuns;\n',
  },
  // allowed: a domain through another's entry point and public modules
  {
    rule: null,
    dir: "lib/runs",
    source:
      'import { recordAudit } from "@/lib/audit/log";\nimport { publicIdFor } from "@/lib/sync";\nexport const x = [publicIdFor, recordAudit];\n',
  },
].map((probe, i) => ({ ...probe, file: `${probe.dir}/zz-import-probe-${tag}-${i}.ts` }));

let result: { code: number; output: string };

beforeAll(async () => {
  for (const probe of probes) writeFileSync(path.join(root, probe.file), probe.source);
  const cli = path.join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
  const args = [cli, "--config", ".dependency-cruiser.cjs", "--output-type", "err", "--max-depth", "1"];
  try {
    const { stdout, stderr } = await run(process.execPath, [...args, ...probes.map((p) => p.file)], { cwd: root });
    result = { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    result = { code: e.code ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}, 120_000);

afterAll(() => {
  for (const probe of probes) rmSync(path.join(root, probe.file), { force: true });
});

const reported = (file: string) => result.output.split("\n").filter((line) => line.includes(`${file} →`));

describe("import rules", () => {
  it("the check fails when there is a violation", () => {
    expect(result.code).not.toBe(0);
  });

  it.each(probes.filter((p) => p.rule))("$rule: a violation from $dir is reported", ({ rule, file }) => {
    expect(reported(file).join("\n"), result.output).toContain(`error ${rule}: ${file} →`);
  });

  it("a file importing only public modules is not reported", () => {
    const allowed = probes.find((p) => p.rule === null);
    expect(reported(allowed?.file ?? "?")).toEqual([]);
  });
});
