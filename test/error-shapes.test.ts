/**
 * One error shape for the whole API: every refusal is `{ "error": { "code", "message" } }` (the schema
 * in lib/errors.ts) with 400, 404 or 405 — never a 500, never HTML, never another shape. Hostile inputs
 * go through the real route handlers and a real Postgres; 405s through the real proxy; and the proxy's
 * method table is checked against the exports of every route file, so the two cannot drift apart.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET as unknownApiPath } from "@/app/api/[...path]/route";
import { POST as ingestEventBridge } from "@/app/api/ingest/eventbridge/route";
import { GET as getModel } from "@/app/api/v1/models/[modelId]/route";
import { POST as saveRevision } from "@/app/api/v1/models/[modelId]/versions/[version]/card/revisions/route";
import { GET as getCard } from "@/app/api/v1/models/[modelId]/versions/[version]/card/route";
import { GET as listModels } from "@/app/api/v1/models/route";
import { GET as compare } from "@/app/api/v1/pipelines/[pipelineId]/compare/route";
import { GET as getMetrics } from "@/app/api/v1/pipelines/[pipelineId]/metrics/route";
import { GET as getPipeline } from "@/app/api/v1/pipelines/[pipelineId]/route";
import { GET as listRuns } from "@/app/api/v1/pipelines/[pipelineId]/runs/route";
import { GET as trainingCurves } from "@/app/api/v1/pipelines/[pipelineId]/training-curves/route";
import { GET as listPipelines } from "@/app/api/v1/pipelines/route";
import { GET as getRun } from "@/app/api/v1/runs/[runId]/route";
import { GET as getStep } from "@/app/api/v1/runs/[runId]/steps/[...key]/route";
import { GET as listSteps } from "@/app/api/v1/runs/[runId]/steps/route";
import { POST as stopRun } from "@/app/api/v1/runs/[runId]/stop/route";
import { GET as getTeam, PATCH as patchTeam } from "@/app/api/v1/teams/[slug]/route";
import { API_ROUTE_METHODS } from "@/lib/api/methods";
import { createTestToken, createTestUser } from "@/lib/auth/testing";
import { ErrorResponse } from "@/lib/error-schema";
import { type SeededModel, seedModel } from "@/lib/models/testing";
import { proxy } from "@/proxy";

type Handler = (request: Request, context?: { params?: Promise<unknown> }) => Promise<Response>;
type Case = {
  name: string;
  handler: Handler;
  path: string;
  params?: Record<string, unknown>;
  method?: string;
  body?: string;
  status: 400 | 404;
};

let auth: Record<string, string>;
let model: SeededModel;

beforeAll(async () => {
  model = await seedModel();
  const { user } = await createTestUser({ teams: [{ slug: model.teamSlug }] });
  const { token } = await createTestToken({ userId: user.id, canWrite: true });
  auth = { authorization: `Bearer ${token}` };
});

async function expectErrorShape(response: Response, status: number) {
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = await response.json();
  expect({ status: response.status, body }).toEqual({ status, body: expect.anything() });
  expect(ErrorResponse.strict().safeParse(body).success, JSON.stringify(body)).toBe(true);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body as { error: { code: string; message: string } };
}

describe("hostile inputs → 400 / 404 in the shared shape, never 500", () => {
  const pid = () => String(model.pipeline.pipelineId);
  const run = () => model.versions[0]?.runPublicId ?? "";
  const mid = () => String(model.modelId);
  const cases: { name: string; make: () => Omit<Case, "name"> }[] = [
    {
      name: "pipelines: limit=0",
      make: () => ({ handler: listPipelines, path: "/api/v1/pipelines?limit=0", status: 400 }),
    },
    {
      name: "pipelines: unknown status",
      make: () => ({
        handler: listPipelines,
        path: "/api/v1/pipelines?status=X",
        status: 400,
      }),
    },
    {
      name: "pipelines: forged cursor",
      make: () => ({
        handler: listPipelines,
        path: "/api/v1/pipelines?cursor=%3Cx%3E",
        status: 400,
      }),
    },
    {
      name: "pipeline: id not a number",
      make: () => ({
        handler: getPipeline,
        path: "/api/v1/pipelines/abc",
        params: { pipelineId: "abc" },
        status: 400,
      }),
    },
    {
      name: "pipeline: id past int4",
      make: () => ({
        handler: getPipeline,
        path: "/api/v1/pipelines/99999999999",
        params: { pipelineId: "99999999999" },
        status: 400,
      }),
    },
    {
      name: "pipeline: unknown id",
      make: () => ({
        handler: getPipeline,
        path: "/api/v1/pipelines/2147483600",
        params: { pipelineId: "2147483600" },
        status: 404,
      }),
    },
    {
      name: "runs: unknown status",
      make: () => ({
        handler: listRuns,
        path: `/api/v1/pipelines/${pid()}/runs?status=EXPLODED`,
        params: { pipelineId: pid() },
        status: 400,
      }),
    },
    {
      name: "runs: bad date",
      make: () => ({
        handler: listRuns,
        path: `/api/v1/pipelines/${pid()}/runs?from=yesterday`,
        params: { pipelineId: pid() },
        status: 400,
      }),
    },
    {
      name: "runs: limit too big",
      make: () => ({
        handler: listRuns,
        path: `/api/v1/pipelines/${pid()}/runs?limit=100000`,
        params: { pipelineId: pid() },
        status: 400,
      }),
    },
    {
      name: "runs: unknown pipeline",
      make: () => ({
        handler: listRuns,
        path: "/api/v1/pipelines/2147483600/runs",
        params: { pipelineId: "2147483600" },
        status: 404,
      }),
    },
    {
      name: "metrics: width 1",
      make: () => ({
        handler: getMetrics,
        path: `/api/v1/pipelines/${pid()}/metrics?width=1`,
        params: { pipelineId: pid() },
        status: 400,
      }),
    },
    {
      name: "metrics: from after to",
      make: () => ({
        handler: getMetrics,
        path: `/api/v1/pipelines/${pid()}/metrics?x=number&from=9&to=1`,
        params: { pipelineId: pid() },
        status: 400,
      }),
    },
    {
      name: "compare: too many runs",
      make: () => ({
        handler: compare,
        path: `/api/v1/pipelines/${pid()}/compare?runs=${"a,".repeat(20)}a`,
        params: { pipelineId: pid() },
        status: 400,
      }),
    },
    {
      name: "training curves: runs=0",
      make: () => ({
        handler: trainingCurves,
        path: `/api/v1/pipelines/${pid()}/training-curves?runs=0`,
        params: { pipelineId: pid() },
        status: 400,
      }),
    },
    {
      name: "run: unknown id",
      make: () => ({
        handler: getRun,
        path: "/api/v1/runs/no-such-run",
        params: { runId: "no-such-run" },
        status: 404,
      }),
    },
    {
      name: "run: NUL in id",
      make: () => ({
        handler: getRun,
        path: "/api/v1/runs/a%00b",
        params: { runId: "a\u0000b" },
        status: 400,
      }),
    },
    {
      name: "run: payloads=2",
      make: () => ({
        handler: getRun,
        path: `/api/v1/runs/${run()}?payloads=2`,
        params: { runId: run() },
        status: 400,
      }),
    },
    {
      name: "steps: unknown status",
      make: () => ({
        handler: listSteps,
        path: `/api/v1/runs/${run()}/steps?status=EXPLODED`,
        params: { runId: run() },
        status: 400,
      }),
    },
    {
      name: "steps: unknown run",
      make: () => ({
        handler: listSteps,
        path: "/api/v1/runs/nope/steps",
        params: { runId: "nope" },
        status: 404,
      }),
    },
    {
      name: "step: unknown key",
      make: () => ({
        handler: getStep,
        path: `/api/v1/runs/${run()}/steps/Nope`,
        params: { runId: run(), key: ["Nope"] },
        status: 404,
      }),
    },
    {
      name: "stop: body not JSON",
      make: () => ({
        handler: stopRun,
        path: `/api/v1/runs/${run()}/stop`,
        params: { runId: run() },
        method: "POST",
        body: "{oops",
        status: 400,
      }),
    },
    {
      name: "stop: unknown run",
      make: () => ({
        handler: stopRun,
        path: "/api/v1/runs/nope/stop",
        params: { runId: "nope" },
        method: "POST",
        body: "{}",
        status: 404,
      }),
    },
    {
      name: "models: bad team slug",
      make: () => ({
        handler: listModels,
        path: "/api/v1/models?team=NOT%20A%20SLUG",
        status: 400,
      }),
    },
    {
      name: "model: id not a number",
      make: () => ({
        handler: getModel,
        path: "/api/v1/models/abc",
        params: { modelId: "abc" },
        status: 400,
      }),
    },
    {
      name: "model: unknown id",
      make: () => ({
        handler: getModel,
        path: "/api/v1/models/2147483600",
        params: { modelId: "2147483600" },
        status: 404,
      }),
    },
    {
      name: "card: version not a number",
      make: () => ({
        handler: getCard,
        path: `/api/v1/models/${mid()}/versions/x/card`,
        params: { modelId: mid(), version: "x" },
        status: 400,
      }),
    },
    {
      name: "card: unknown version",
      make: () => ({
        handler: getCard,
        path: `/api/v1/models/${mid()}/versions/999/card`,
        params: { modelId: mid(), version: "999" },
        status: 404,
      }),
    },
    {
      name: "card revision: body of the wrong shape",
      make: () => ({
        handler: saveRevision,
        path: `/api/v1/models/${mid()}/versions/1/card/revisions`,
        params: { modelId: mid(), version: "1" },
        method: "POST",
        body: '{"content":"x"}',
        status: 400,
      }),
    },
    {
      name: "team: slug with spaces",
      make: () => ({
        handler: getTeam,
        path: "/api/v1/teams/NOT%20A%20SLUG",
        params: { slug: "NOT A SLUG" },
        status: 400,
      }),
    },
    {
      name: "team: unknown slug",
      make: () => ({
        handler: getTeam,
        path: "/api/v1/teams/no-such-team-x",
        params: { slug: "no-such-team-x" },
        status: 404,
      }),
    },
    {
      name: "team rename: empty name",
      make: () => ({
        handler: patchTeam,
        path: `/api/v1/teams/${model.teamSlug}`,
        params: { slug: model.teamSlug },
        method: "PATCH",
        body: '{"name":""}',
        status: 400,
      }),
    },
    {
      name: "unknown /api path",
      make: () => ({
        handler: unknownApiPath,
        path: "/api/v1/nothing-here",
        params: { path: ["v1", "nothing-here"] },
        status: 404,
      }),
    },
  ];

  it.each(cases)("$name", async ({ name, make }) => {
    const c: Case = { name, ...make() };
    const request = new Request(`http://localhost${c.path}`, {
      method: c.method ?? "GET",
      headers: { ...auth, ...(c.body ? { "content-type": "application/json" } : {}) },
      body: c.body,
    });
    const response = await c.handler(request, { params: Promise.resolve(c.params ?? {}) });
    const body = await expectErrorShape(response, c.status);
    expect(body.error.code, c.name).toBe(c.status === 400 ? "bad_request" : "not_found");
  });
});

describe("POST /api/ingest/eventbridge with the route off", () => {
  const saved = process.env.EVENTBRIDGE_SECRET;
  afterEach(() => {
    if (saved === undefined) delete process.env.EVENTBRIDGE_SECRET;
    else process.env.EVENTBRIDGE_SECRET = saved;
  });

  it("answers 404 in the shared shape", async () => {
    delete process.env.EVENTBRIDGE_SECRET;
    const response = await ingestEventBridge(
      new Request("http://localhost/api/ingest/eventbridge", { method: "POST", body: "{}" }),
    );
    expect((await expectErrorShape(response, 404)).error.code).toBe("not_found");
  });

  it("with the route on: a wrong secret is 401 and a bad body 400, both in the shared shape", async () => {
    process.env.EVENTBRIDGE_SECRET = "s3cret-for-the-test";
    const wrong = await ingestEventBridge(
      new Request("http://localhost/api/ingest/eventbridge", { method: "POST", body: "{}" }),
    );
    await expectErrorShape(wrong, 401);
    const bad = await ingestEventBridge(
      new Request("http://localhost/api/ingest/eventbridge", {
        method: "POST",
        headers: { "x-stepwise-ingest-secret": "s3cret-for-the-test" },
        body: "not json",
      }),
    );
    await expectErrorShape(bad, 400);
  });
});

/** Every app/api/**\/route.ts, as its route path (`/api/v1/runs/[runId]`). */
function routeFiles(dir = path.resolve("app/api")): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return entry === "route.ts" ? [full] : [];
  });
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const concrete = (route: string) =>
  route.replace(/\[\.\.\.[^\]]+\]/g, "a/b").replace(/\[[^\]]+\]/g, (m) => (m === "[version]" ? "1" : "x1"));

describe("405: a method a route does not answer", () => {
  it("the proxy's method table equals the exports of every route file (catch-all aside)", () => {
    const found: Record<string, string[]> = {};
    for (const file of routeFiles()) {
      const route = `/${path.relative(path.resolve("app"), path.dirname(file)).split(path.sep).join("/")}`;
      if (route === "/api/[...path]") continue;
      const text = readFileSync(file, "utf8");
      found[route] = METHODS.filter((m) =>
        new RegExp(`export (const|async function|function) ${m}\\b|as ${m}\\b`).test(text),
      ).sort();
    }
    const table = Object.fromEntries(Object.entries(API_ROUTE_METHODS).map(([r, m]) => [r, [...m].sort()]));
    expect(table).toEqual(found);
  });

  const refusals = Object.entries(API_ROUTE_METHODS).flatMap(([route, allowed]) =>
    METHODS.filter((m) => !allowed.includes(m)).map((method) => ({ route, method, allowed })),
  );
  it.each(refusals)("$method $route → 405 with Allow", async ({ route, method, allowed }) => {
    const response = proxy(new NextRequest(`http://localhost${concrete(route)}`, { method, headers: auth }));
    const body = await expectErrorShape(response, 405);
    expect(body.error.code).toBe("method_not_allowed");
    expect(response.headers.get("allow")?.split(", ").sort()).toEqual([...allowed].sort());
  });

  it("allowed methods, HEAD and OPTIONS, and unknown paths pass through the proxy (the catch-all answers 404)", () => {
    for (const [route, allowed] of Object.entries(API_ROUTE_METHODS)) {
      for (const method of [...allowed, "OPTIONS"]) {
        const response = proxy(new NextRequest(`http://localhost${concrete(route)}`, { method, headers: auth }));
        expect({ route, method, status: response.status }).toEqual({ route, method, status: 200 });
      }
    }
    const head = proxy(new NextRequest("http://localhost/api/v1/pipelines", { method: "HEAD", headers: auth }));
    expect(head.status).toBe(200);
    const unknown = proxy(new NextRequest("http://localhost/api/v1/nothing", { method: "DELETE", headers: auth }));
    expect(unknown.status).toBe(200);
  });
});
