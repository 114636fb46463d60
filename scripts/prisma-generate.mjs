// Runs `prisma generate` offline. The Prisma CLI wants a schema-engine binary
// even though generate never executes it; where none can be downloaded we point
// PRISMA_SCHEMA_ENGINE_BINARY at an existing file for this one command only, so
// machines that do have the engine keep using it for everything else.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync("prisma/schema.prisma")) process.exit(0);
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
const result = spawnSync("npx", ["--no-install", "prisma", "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
