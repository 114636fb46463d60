/**
 * API tokens from a shell, for automation and tests:
 *
 *   npm run token -- create --user <email> [--name <name>] [--write] [--expires-days <n>]
 *   npm run token -- list   --user <email>
 *   npm run token -- revoke --id <token id>
 *
 * `create` makes the user record if that person never logged in (they attach to
 * it at first login, by email) and prints the token on its last line. It uses the
 * same database as `npm start`: DATABASE_URL, or the embedded one — when
 * `npm start` is running, the script connects to its Postgres (port from
 * .data/postgres/postmaster.pid) instead of starting a second one on the same files.
 */
import { existsSync, readFileSync } from "node:fs";
import { register } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import { migrate } from "@/lib/db/migrate";
import { dataDir, type ResolvedDatabase, resolveDatabase } from "@/lib/runtime/database";

// lib modules are marked `import "server-only"` (it throws outside React Server
// Components); this CLI is server code, so the marker resolves to nothing here.
register(
  `data:text/javascript,${encodeURIComponent(
    'export async function resolve(s, c, n) { return s === "server-only" ? { url: "data:text/javascript,", shortCircuit: true } : n(s, c); }',
  )}`,
);

// Same local-only credentials lib/db/embedded.ts gives the embedded server.
const EMBEDDED_USER = "stepwise";
const EMBEDDED_PASSWORD = "stepwise-local";

function usage(message?: string): never {
  if (message) console.error(`error: ${message}`);
  console.error(
    [
      "usage:",
      "  npm run token -- create --user <email> [--name <name>] [--write] [--expires-days <n>]",
      "  npm run token -- list --user <email>",
      "  npm run token -- revoke --id <token id>",
    ].join("\n"),
  );
  process.exit(2);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The embedded Postgres that a running `npm start` already serves, if any. */
function runningEmbedded(): ResolvedDatabase | null {
  const pidFile = path.join(dataDir(), "postgres", "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || !isAlive(pid)) return null;
  return {
    url: `postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/stepwise`,
    embedded: true,
    stop: async () => {},
  };
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    user: { type: "string" },
    name: { type: "string" },
    write: { type: "boolean", default: false },
    "expires-days": { type: "string" },
    id: { type: "string" },
  },
});
const command = positionals[0];
if (!command || !["create", "list", "revoke"].includes(command))
  usage(command ? `unknown command ${command}` : undefined);

const db = process.env.DATABASE_URL ? await resolveDatabase() : (runningEmbedded() ?? (await resolveDatabase()));
process.env.DATABASE_URL = db.url;
let exitCode = 0;
try {
  await migrate({ databaseUrl: db.url });
  const { prisma, pool } = await import("@/lib/db");
  const tokens = await import("@/lib/auth/tokens");
  try {
    if (command === "create") {
      const email = values.user?.trim().toLowerCase();
      if (!email?.includes("@")) usage("--user <email> is required");
      const expires = values["expires-days"];
      const expiresInDays = expires ? Number(expires) : null;
      if (expires && (!Number.isInteger(expiresInDays) || (expiresInDays ?? 0) < 1))
        usage("--expires-days must be a whole number ≥ 1");
      const user = await prisma.user.upsert({ where: { email }, create: { email, name: email }, update: {} });
      const created = await tokens.createApiToken({
        userId: user.id,
        input: { name: values.name ?? "cli", canWrite: values.write ?? false, expiresInDays },
        actor: null,
        via: "cli",
      });
      console.log(
        `token ${created.id} for ${email}: ${created.canWrite ? "read + write" : "read-only"}, expires ${created.expiresAt.toISOString()}`,
      );
      console.log(created.token);
    } else if (command === "list") {
      const email = values.user?.trim().toLowerCase();
      if (!email) usage("--user <email> is required");
      const user = await prisma.user.findUnique({ where: { email } });
      if (!user) throw new Error(`no user ${email}`);
      for (const t of await tokens.listApiTokens({ userId: user.id })) {
        const state = t.revokedAt ? "revoked" : t.expiresAt && t.expiresAt < new Date() ? "expired" : "active";
        console.log(
          `${t.id}  ${t.prefix}…  ${t.name}  ${t.canWrite ? "rw" : "ro"}  ${state}  last used ${t.lastUsedAt?.toISOString() ?? "never"}`,
        );
      }
    } else if (command === "revoke") {
      if (!values.id) usage("--id <token id> is required");
      const row = await prisma.apiToken.update({ where: { id: values.id }, data: { revokedAt: new Date() } });
      const { recordAudit } = await import("@/lib/audit/log");
      await recordAudit({
        actor: null,
        via: "cli",
        action: "token.revoke",
        targetType: "api_token",
        targetId: row.id,
        outcome: "ok",
        details: { prefix: row.prefix, ownerId: row.userId },
      });
      console.log(`revoked ${row.id} (${row.prefix}…)`);
    }
  } finally {
    await prisma.$disconnect();
    await pool.end().catch(() => {});
  }
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await db.stop();
}
process.exit(exitCode);
