/**
 * Every shell command in README.md is checked: each line of its ```sh blocks is either run here against
 * the test emulator and the real route handlers (the `aws` and `curl` examples), or its npm script and
 * the files it names must exist, or it is in HAND below (checked by hand before a release: it needs a
 * real IdP, a second machine or the whole app). A new README command fails this test until it is one
 * of these.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getMe } from "@/app/api/v1/me/route";
import { GET as getOpenApi } from "@/app/api/v1/openapi.json/route";
import type { ApiHandler } from "@/lib/api/handler";
import { createTestToken, createTestUser } from "@/lib/auth/testing";
import { type RunningEmulator, startEmulator } from "@/lib/emulator";
import { ALL_DEMO_PIPELINES } from "@/lib/sync/testing";

const root = path.resolve(import.meta.dirname, "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };

/** Lines checked by hand (they set up a real deployment); each must still be in the README. */
const HAND = [
  "export NEXTAUTH_URL=https://stepwise.example.com",
  "export NEXTAUTH_SECRET=$(openssl rand -base64 32)",
  "export OIDC_ISSUER=https://login.example.com/oauth2/default",
  "export OIDC_CLIENT_ID=stepwise OIDC_CLIENT_SECRET=… OIDC_NAME=Okta",
  "export DATABASE_URL=postgresql://… NEXTAUTH_SECRET=$(openssl rand -hex 32)",
  "export DATABASE_URL=postgresql://stepwise:secret@db.internal:5432/stepwise",
  "export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=eu-west-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test",
];

/** The README's shell commands, comments and blank lines left out. */
const commands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
  (block[1] ?? "")
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter(Boolean),
);

const ROUTES: Record<string, ApiHandler> = { "/api/v1/me": getMe, "/api/v1/openapi.json": getOpenApi };

let emulator: RunningEmulator;
let token: string;

beforeAll(async () => {
  // As `npm run emulator` starts it (account 123456789012, eu-west-1, the demo pipelines), on a free port.
  emulator = await startEmulator({
    port: 0,
    scheduler: false,
    backfillRuns: 8,
    backfillPipelines: ALL_DEMO_PIPELINES,
    log: () => undefined,
  });
  const { user } = await createTestUser();
  token = (await createTestToken({ userId: user.id })).token;
});
afterAll(async () => {
  await emulator?.stop();
});

describe("README.md commands", () => {
  it("has commands, and every one is run here, checked for its script and files, or checked by hand", () => {
    expect(commands.length).toBeGreaterThan(10);
    const unclassified = commands.filter(
      (c) => !HAND.includes(c) && !/\bnpm (start|test|install|run)\b/.test(c) && !/^(aws|curl) /.test(c),
    );
    expect(unclassified).toEqual([]);
    for (const line of HAND) expect(commands).toContain(line);
  });

  it("every npm script it names exists, and so does every file it names", () => {
    for (const command of commands) {
      for (const match of command.matchAll(/\bnpm run ([\w:-]+)/g))
        expect(pkg.scripts, command).toHaveProperty([match[1] as string]);
      if (/\bnpm (start|test)\b/.test(command)) expect(pkg.scripts).toHaveProperty(["start"]);
      for (const file of command.split(/\s+/).filter((w) => /^[\w.-]+\/[\w./-]+\.(ts|js|mjs|json)$/.test(w)))
        expect(existsSync(path.join(root, file)), `${command}: ${file}`).toBe(true);
    }
  });

  it("the aws examples work against the emulator: the state machine they name exists and has executions", async () => {
    const aws = commands.filter((c) => c.startsWith("aws "));
    expect(aws.length).toBeGreaterThan(0);
    const sfn = new SFNClient({
      endpoint: emulator.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      const machines = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? [];
      for (const command of aws) {
        expect(command).toMatch(/^aws stepfunctions list-executions --state-machine-arn \S+$/);
        const arn = command.split(" ").at(-1) as string;
        expect(machines.map((m) => m.stateMachineArn)).toContain(arn);
        const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
        expect(listed.executions?.length ?? 0).toBeGreaterThan(0);
      }
    } finally {
      sfn.destroy();
    }
  });

  it("the curl examples answer 200 with an API token", async () => {
    const curls = commands.filter((c) => c.startsWith("curl "));
    expect(curls.length).toBeGreaterThan(0);
    for (const command of curls) {
      const match = /^curl -H "Authorization: Bearer sw_…" http:\/\/localhost:3000(\/\S+)$/.exec(command);
      expect(match, command).not.toBeNull();
      const route = ROUTES[match?.[1] ?? ""];
      expect(route, command).toBeDefined();
      const response = await (route as ApiHandler)(
        new Request(`http://localhost:3000${match?.[1]}`, { headers: { authorization: `Bearer ${token}` } }),
      );
      expect({ command, status: response.status }).toEqual({ command, status: 200 });
    }
  });
});
