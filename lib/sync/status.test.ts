/**
 * /api/metrics through prom-client: the content type prom-client announces, one HELP and TYPE per
 * family, every sample line well-formed (labels escaped), and the known series with the values the
 * sync stored in aws_source. Real route handler, real Postgres.
 */
import { randomBytes } from "node:crypto";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/metrics/route";
import { sql } from "@/lib/db";

const key = `metrics-"q\\uoted"-${randomBytes(4).toString("hex")}`;
const escaped = key.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

beforeAll(async () => {
  const stats = {
    calls: { "sfn:ListExecutions": 7 },
    throttles: {},
    errors: { "sfn:DescribeExecution": 2 },
    passes: 3,
  };
  await sql(
    `INSERT INTO aws_source (key, account_id, region, updated_at, cursors, last_success_at)
     VALUES ($1, '123456789012', 'eu-west-1', now(), $2::jsonb, now() AT TIME ZONE 'UTC')`,
    [key, JSON.stringify({ stats })],
  );
  process.env.METRICS_TOKEN = "metrics-token-for-status-test";
});
afterAll(async () => {
  await sql("DELETE FROM aws_source WHERE key = $1", [key]);
});

/** The text exposition format 0.0.4, as Prometheus reads it: families of HELP, TYPE and samples. */
function parse(text: string) {
  const families = new Map<string, { help?: string; type?: string; samples: { labels: string; value: number }[] }>();
  const family = (name: string) => {
    const base = families.get(name) ?? { samples: [] };
    families.set(name, base);
    return base;
  };
  for (const line of text.split("\n").filter(Boolean)) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      const f = family(meta[2] as string);
      if (meta[1] === "HELP") f.help = meta[3];
      else f.type = meta[3];
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$/.exec(
      line,
    );
    if (!sample) throw new Error(`not a Prometheus line: ${line}`);
    const f = families.get(sample[1] as string);
    if (!f?.type || !f.help) throw new Error(`sample before its HELP/TYPE: ${line}`);
    f.samples.push({ labels: sample[2] ?? "", value: Number(sample[3]) });
  }
  return families;
}

describe("GET /api/metrics", () => {
  it("speaks prom-client's exposition: content type, HELP/TYPE per family, escaped labels, known series", async () => {
    const response = await GET(
      new Request("http://localhost/api/metrics", {
        headers: { authorization: "Bearer metrics-token-for-status-test" },
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(new Registry().contentType);
    const families = parse(await response.text());
    expect(families.get("stepwise_sync_api_calls_total")?.type).toBe("counter");
    expect(families.get("stepwise_sync_lag_seconds")?.type).toBe("gauge");
    expect(families.get("stepwise_live_listeners")?.type).toBe("gauge");
    expect(families.get("stepwise_db_queries_total")?.samples[0]?.value).toBeGreaterThan(0);
    const calls = families.get("stepwise_sync_api_calls_total")?.samples ?? [];
    expect(calls).toContainEqual({ labels: `{source="${escaped}",operation="sfn:ListExecutions"}`, value: 7 });
    const errors = families.get("stepwise_sync_api_errors_total")?.samples ?? [];
    expect(errors).toContainEqual({ labels: `{source="${escaped}",operation="sfn:DescribeExecution"}`, value: 2 });
    expect(families.get("stepwise_sync_passes_total")?.samples).toContainEqual({
      labels: `{source="${escaped}"}`,
      value: 3,
    });
    const lag = families.get("stepwise_sync_lag_seconds")?.samples.find((s) => s.labels === `{source="${escaped}"}`);
    expect(lag?.value).toBeGreaterThanOrEqual(0);
  });

  it("answers 401 without the token or a session", async () => {
    const response = await GET(new Request("http://localhost/api/metrics"));
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain("stepwise_");
  });
});
