/**
 * One public identifier for teams (issue 16): every /api/v1 answer that names a run's or a model's owning team
 * names it by its slug (`team.id` is the slug, as in /api/v1/teams/{slug}); the database's numeric id stays on
 * the server, where the run page still reads it for its permission check.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { GET as getModel } from "@/app/api/v1/models/[modelId]/route";
import { GET as getCard } from "@/app/api/v1/models/[modelId]/versions/[version]/card/route";
import { GET as listModels } from "@/app/api/v1/models/route";
import { GET as getOpenApi } from "@/app/api/v1/openapi.json/route";
import { GET as listRuns } from "@/app/api/v1/pipelines/[pipelineId]/runs/route";
import { GET as getRun } from "@/app/api/v1/runs/[runId]/route";
import type { ApiHandler } from "@/lib/api/handler";
import { createTestToken, createTestUser } from "@/lib/auth/testing";
import { type SeededModel, seedModel } from "@/lib/models/testing";
import { numericTeamIds } from "@/test/support/team-ids";
import { getRunPage } from "./queries";

let model: SeededModel;
let headers: Record<string, string>;

beforeAll(async () => {
  model = await seedModel();
  const { user } = await createTestUser({ teams: [{ slug: model.teamSlug }] });
  headers = { authorization: `Bearer ${(await createTestToken({ userId: user.id })).token}` };
});

async function call(handler: ApiHandler, path: string, params: Record<string, string>) {
  const response = await handler(new Request(`http://localhost${path}`, { headers }), {
    params: Promise.resolve(params),
  });
  expect(response.status, path).toBe(200);
  return (await response.json()) as unknown;
}

describe("a team is named by its slug in every answer", () => {
  it("finds a leak when there is one (the check can fail)", () => {
    expect(numericTeamIds({ pipeline: { team: { id: 7, slug: "a" } } })).toEqual(["$.pipeline.team.id"]);
    expect(numericTeamIds([{ identity: { owners: { id: 7 } } }, { teamId: 3 }])).toEqual([
      "$[0].identity.owners.id",
      "$[1].teamId",
    ]);
    expect(numericTeamIds({ team: { id: "a", slug: "a" } })).toEqual([]);
  });

  it("runs, run lists, models, model lists and cards", async () => {
    const runId = model.versions[0]?.runPublicId ?? "";
    const version = String(model.versions[0]?.version ?? 1);
    const pipelineId = String(model.pipeline.pipelineId);
    const answers = {
      run: await call(getRun, `/api/v1/runs/${runId}`, { runId }),
      runs: await call(listRuns, `/api/v1/pipelines/${pipelineId}/runs`, { pipelineId }),
      models: await call(listModels, `/api/v1/models?team=${model.teamSlug}`, {}),
      model: await call(getModel, `/api/v1/models/${model.modelId}`, { modelId: String(model.modelId) }),
      card: await call(getCard, `/api/v1/models/${model.modelId}/versions/${version}/card`, {
        modelId: String(model.modelId),
        version,
      }),
    };
    for (const [name, body] of Object.entries(answers)) expect(numericTeamIds(body), name).toEqual([]);
    const ref = { id: model.teamSlug, slug: model.teamSlug, name: model.teamSlug };
    expect((answers.run as { pipeline: { team: unknown } }).pipeline.team).toEqual(ref);
    expect((answers.model as { team: unknown }).team).toEqual(ref);
    expect((answers.models as { models: { team: unknown }[] }).models[0]?.team).toEqual(ref);
    expect((answers.card as { identity: { owners: unknown } }).identity.owners).toEqual(ref);
  });

  it("says so in the OpenAPI document: every team and owners property is the TeamRef, whose id is a string", async () => {
    const doc = (await call(getOpenApi, "/api/v1/openapi.json", {})) as {
      components: { schemas: Record<string, { properties?: Record<string, { type?: unknown }> }> };
    };
    expect(doc.components.schemas.TeamRef?.properties?.id?.type).toBe("string");
    const inline: string[] = [];
    const walk = (value: unknown, at: string) => {
      if (value === null || typeof value !== "object") return;
      for (const [key, child] of Object.entries(value)) {
        if ((key === "team" || key === "owners") && JSON.stringify(child).includes('"id":{"type":"integer"')) {
          inline.push(`${at}.${key}`);
        }
        walk(child, `${at}.${key}`);
      }
    };
    walk(doc, "$");
    expect(inline).toEqual([]);
    expect(JSON.stringify(doc.components.schemas.Run)).toContain("#/components/schemas/TeamRef");
    expect(JSON.stringify(doc.components.schemas.Model)).toContain("#/components/schemas/TeamRef");
  });

  it("still gives the run page the owning team's id on the server, for its permission check", async () => {
    const page = await getRunPage({ id: model.versions[0]?.runPublicId ?? "" });
    expect(page?.teamId).toBe(model.teamId);
    expect(page?.run.pipeline.team?.id).toBe(model.teamSlug);
  });
});
