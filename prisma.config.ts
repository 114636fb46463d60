// Prisma CLI configuration. The app never uses the CLI at runtime: migrations are
// applied by lib/db/migrate.ts. The URL is only read by `prisma migrate status` on
// machines that have Prisma's schema engine.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
