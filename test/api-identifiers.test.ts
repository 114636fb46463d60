/**
 * One public identifier per resource: for every list endpoint of /api/v1, each item's `id` (or the
 * key the list names it by) opens the item endpoint with 200 and the same id. Real route handlers,
 * real Postgres, one process. A numeric database id leaking into a list (as runs[].id once did)
 * makes the item endpoint answer 404 here.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { GET as getMe } from "@/app/api/v1/me/route";
import { GET as getModel } from "@/app/api/v1/models/[modelId]/route";
import { GET as getCard } from "@/app/api/v1/models/[modelId]/versions/[version]/card/route";
import { GET as listModels } from "@/app/api/v1/models/route";
import { GET as getMetrics } from "@/app/api/v1/pipelines/[pipelineId]/metrics/route";
import { GET as getPipeline } from "@/app/api/v1/pipelines/[pipelineId]/route";
import { GET as listRuns } from "@/app/api/v1/pipelines/[pipelineId]/runs/route";
import { GET as listPipelines } from "@/app/api/v1/pipelines/route";
import { GET as getRun } from "@/app/api/v1/runs/[runId]/route";
import { GET as getStep } from "@/app/api/v1/runs/[runId]/steps/[...key]/route";
import { GET as listSteps } from "@/app/api/v1/runs/[runId]/steps/route";
import { GET as getTeam } from "@/app/api/v1/teams/[slug]/route";
import type { ApiHandler } from "@/lib/api/handler";
import { createTestToken, createTestUser } from "@/lib/auth/testing";
import { type SeededModel, seedModel } from "@/lib/models/testing";

type Json = Record<string, unknown>;
let headers: Record<string, string>;
let model: SeededModel;

async function call(handler: ApiHandler, path: string, params: Record<string, unknown> = {}) {
  const response = await handler(new Request(`http://localhost${path}`, { headers }), {
    params: Promise.resolve(params),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

const items = (body: Json, key: string) => body[key] as Json[];

beforeAll(async () => {
  model = await seedModel();
  const { user } = await createTestUser({ teams: [{ slug: model.teamSlug }] });
  const { token } = await createTestToken({ userId: user.id });
  headers = { authorization: `Bearer ${token}` };
});

describe("list → item round trip, for every list endpoint", () => {
  const pairs: {
    list: string;
    /** Lists the items (each with the id the API names it by). */
    items: () => Promise<{ id: unknown; item: Json }[]>;
    /** Opens one item by that id. */
    open: (id: unknown) => Promise<{ status: number; body: Json }>;
    /** The id as the item endpoint answers it. */
    idOf: (body: Json) => unknown;
  }[] = [
    {
      list: "GET /api/v1/pipelines",
      items: async () => {
        const { body } = await call(listPipelines, `/api/v1/pipelines?team=${model.teamSlug}`);
        return items(body, "pipelines").map((item) => ({ id: item.id, item }));
      },
      open: (id) => call(getPipeline, `/api/v1/pipelines/${id}`, { pipelineId: String(id) }),
      idOf: (body) => body.id,
    },
    {
      list: "GET /api/v1/pipelines/{id}/runs",
      items: async () => {
        const path = `/api/v1/pipelines/${model.pipeline.pipelineId}/runs`;
        const { body } = await call(listRuns, path, { pipelineId: String(model.pipeline.pipelineId) });
        return items(body, "runs").map((item) => ({ id: item.id, item }));
      },
      open: (id) => call(getRun, `/api/v1/runs/${id}`, { runId: String(id) }),
      idOf: (body) => body.id,
    },
    {
      list: "GET /api/v1/runs/{id}/steps",
      items: async () => {
        const runId = model.versions[0]?.runPublicId ?? "";
        const { body } = await call(listSteps, `/api/v1/runs/${runId}/steps`, { runId });
        return items(body, "steps").map((item) => ({ id: item.key, item }));
      },
      open: (key) => {
        const runId = model.versions[0]?.runPublicId ?? "";
        return call(getStep, `/api/v1/runs/${runId}/steps/${key}`, { runId, key: String(key).split("/") });
      },
      idOf: (body) => (body.step as Json).key,
    },
    {
      list: "GET /api/v1/models",
      items: async () => {
        const { body } = await call(listModels, `/api/v1/models?team=${model.teamSlug}`);
        return items(body, "models").map((item) => ({ id: item.id, item }));
      },
      open: (id) => call(getModel, `/api/v1/models/${id}`, { modelId: String(id) }),
      idOf: (body) => body.id,
    },
    {
      list: "GET /api/v1/models/{id} (versions)",
      items: async () => {
        const { body } = await call(getModel, `/api/v1/models/${model.modelId}`, { modelId: String(model.modelId) });
        return items(body, "versions").map((item) => ({ id: item.version, item }));
      },
      open: (version) =>
        call(getCard, `/api/v1/models/${model.modelId}/versions/${version}/card`, {
          modelId: String(model.modelId),
          version: String(version),
        }),
      idOf: (body) => ((body.card as Json | undefined)?.version ?? body.version) as unknown,
    },
    {
      list: "GET /api/v1/me (teams)",
      items: async () => {
        const { body } = await call(getMe, "/api/v1/me");
        return items(body, "teams").map((item) => ({ id: item.id, item }));
      },
      open: (id) => call(getTeam, `/api/v1/teams/${id}`, { slug: String(id) }),
      idOf: (body) => body.id,
    },
  ];

  it.each(pairs)("$list: every item's id opens the item with the same id", async (pair) => {
    const listed = await pair.items();
    expect(listed.length).toBeGreaterThan(0);
    for (const { id } of listed) {
      expect(typeof id === "string" || typeof id === "number").toBe(true);
      const { status, body } = await pair.open(id);
      expect({ id, status }).toEqual({ id, status: 200 });
      expect(pair.idOf(body)).toEqual(id);
    }
  });

  it("a run's id is its public id, never the numeric database id, and its execution ARN opens it too", async () => {
    const path = `/api/v1/pipelines/${model.pipeline.pipelineId}/runs`;
    const { body } = await call(listRuns, path, { pipelineId: String(model.pipeline.pipelineId) });
    const runs = items(body, "runs");
    expect(runs.map((r) => r.id).sort()).toEqual(model.versions.map((v) => v.runPublicId).sort());
    for (const run of runs) expect(run.publicId).toBe(run.id);
    const first = await call(getRun, `/api/v1/runs/${runs[0]?.id}`, { runId: String(runs[0]?.id) });
    const arn = String(first.body.executionArn);
    const byArn = await call(getRun, `/api/v1/runs/${encodeURIComponent(arn)}`, { runId: arn });
    expect({ status: byArn.status, id: byArn.body.id }).toEqual({ status: 200, id: runs[0]?.id });
  });
});

describe("GET /api/v1/pipelines/{id}/metrics", () => {
  it("without names answers the headline metric, as if it had been named", async () => {
    const pipelineId = String(model.pipeline.pipelineId);
    const { status, body } = await call(getMetrics, `/api/v1/pipelines/${pipelineId}/metrics`, { pipelineId });
    expect(status).toBe(200);
    expect((body.series as Json[]).map((s) => s.name)).toEqual(["validation:auc"]);
    const named = await call(getMetrics, `/api/v1/pipelines/${pipelineId}/metrics?names=validation:auc`, {
      pipelineId,
    });
    expect(body).toEqual(named.body);
  });

  it("an unknown pipeline is 404 without names too", async () => {
    const missing = await call(getMetrics, "/api/v1/pipelines/2147483600/metrics", { pipelineId: "2147483600" });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  });
});
