// npm run db:migrate — applies prisma/migrations to DATABASE_URL (or the embedded database).
import { migrate } from "@/lib/db/migrate";
import { redactUrl, resolveDatabase } from "@/lib/runtime/database";

const db = await resolveDatabase();
try {
  const result = await migrate({ databaseUrl: db.url, log: (line) => console.log(line) });
  console.log(
    `${redactUrl(db.url)}: ${result.applied.length} migration(s) applied, ${result.alreadyApplied} already applied.`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await db.stop();
}
