/**
 * The embedded default's alert rules (issue 18 §5): with the demo on, `npm start` makes sure two global,
 * in-app rules exist — failed runs and metric regressions — so each demo team's members (and whoever watches
 * a pipeline) see real notifications in the bell within minutes: the demo pipelines fail and regress now
 * and then. Created once (by name); admins may change, mute or delete them like any rule, and a deleted one
 * comes back at the next start only if no rule of that name exists. Plain pg: scripts/start.ts runs it
 * outside the server-only world.
 */
import pg from "pg";

export const DEMO_RULES = [
  { name: "Failed runs (demo default)", kind: "run_failed" },
  { name: "Metric regressions (demo default)", kind: "metric_regression" },
] as const;

export async function ensureDemoAlertRules(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "stepwise-demo-defaults" });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      `INSERT INTO alert_rule (name, kind, in_app, created_by)
       SELECT v.name, v.kind, true, 'demo-defaults'
         FROM unnest($1::text[], $2::text[]) AS v(name, kind)
        WHERE NOT EXISTS (SELECT 1 FROM alert_rule r WHERE r.team_id IS NULL AND r.pipeline_id IS NULL AND r.name = v.name)`,
      [DEMO_RULES.map((r) => r.name), DEMO_RULES.map((r) => r.kind)],
    );
    return rowCount ?? 0;
  } finally {
    await client.end();
  }
}
