/**
 * GET /api/v1/pipelines/{id}/metrics through its real route handler and Postgres: the answer is the same
 * MetricSeries getMetricSeries builds (each run listed once, CSV on request), and hostile parameters are 400s
 * with a message, not a slow or a failed statement.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/pipelines/[pipelineId]/metrics/route";
import { createTestToken, createTestUser } from "@/lib/auth/testing";
import { pool } from "@/lib/db";
import { getMetricSeries } from "./queries";
import { MetricSeries, MetricSeriesQuery } from "./schema";
import { type SeededHistory, seedPipelineHistory } from "./testing";

let seeded: SeededHistory;
let authorization = "";

beforeAll(async () => {
  seeded = await seedPipelineHistory(pool, { runs: 4000, failedEvery: 13, revisionEvery: 1500 });
  const { user } = await createTestUser();
  authorization = `Bearer ${(await createTestToken({ userId: user.id })).token}`;
});

afterAll(async () => {
  await pool.end();
});

const get = (query: string) =>
  GET(
    new Request(`http://localhost/api/v1/pipelines/${seeded.pipelineId}/metrics?${query}`, {
      headers: { authorization },
    }),
    { params: Promise.resolve({ pipelineId: String(seeded.pipelineId) }) },
  );

describe("the metric series endpoint", () => {
  const query = "names=validation:auc,validation:loss&width=1200";

  it("answers the MetricSeries getMetricSeries builds, valid against its schema", async () => {
    const response = await get(query);
    expect(response.status).toBe(200);
    const body = await response.json();
    const direct = await getMetricSeries({
      pipelineId: seeded.pipelineId,
      query: MetricSeriesQuery.parse({ names: "validation:auc,validation:loss", width: "1200" }),
    });
    expect(body).toEqual(JSON.parse(JSON.stringify(direct)));
    expect(MetricSeries.safeParse(body).success).toBe(true);
    // Every run of the list is referred to by a point, a regression, a failed mark or a definition change.
    const used = new Set([
      ...direct.series.flatMap((s) => [...s.run, ...s.regressions.run]),
      ...direct.failed.map((f) => f.run),
      ...direct.definitionChanges.map((c) => c.run),
    ]);
    const listed = direct.runs.publicId.length;
    expect(used.size).toBe(listed);
    expect(new Set(direct.runs.publicId).size).toBe(listed);
    // Every column of the run list has one entry per run.
    for (const column of [direct.runs.name, direct.runs.status, direct.runs.startedAt])
      expect(column).toHaveLength(listed);
    expect(direct.runs.number).toBeNull(); // the time axis has no run numbers
  });

  it("still answers CSV on request", async () => {
    const response = await get(`${query}&format=csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/csv/);
    expect((await response.text()).split("\r\n")[0]).toContain("validation:auc");
  });

  it("answers 400 with a message for hostile parameters", async () => {
    for (const bad of [
      "names=validation:auc&width=0",
      "names=validation:auc&width=100000",
      "names=validation:auc&x=number&from=1e400",
      "names=validation:auc&x=number&from=20&to=10",
      "names=validation:auc&from=yesterday",
      // Epoch milliseconds beyond any date (a timestamp would overflow in SQL).
      "names=validation:auc&from=99999999999999999999",
      "names=validation:auc&to=99999999999999999999",
      "names=validation:auc&from=-100000-01-01T00:00:00Z",
      // Run numbers beyond int4 (bigint arithmetic would overflow in SQL).
      "names=validation:auc&x=number&to=1e300",
      "names=validation:auc&x=number&from=-99999999999",
      "names=a,b,c,d,e,f,g",
      `names=${"x".repeat(201)}`,
      "names=validation:auc&window=1",
      "names=validation:auc&threshold=-5",
      "names=validation%00auc",
    ]) {
      const response = await get(bad);
      expect(response.status, bad).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("bad_request");
      expect(body.error.message.length).toBeGreaterThan(0);
    }
  });
});
