/**
 * The README's notebook example (section "Notebooks"), request for request, against the app as `npm start`
 * runs it with its demo data: a token from `npm run token`, then CSV from the list endpoints, read the way
 * pandas.read_csv reads it (header row, one row per item), and a model card as JSON.
 */
import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { baseURL } from "../playwright.config";
import { e2eEnv } from "./support/env";

test.setTimeout(120_000);

/** RFC 4180 (quoted fields with commas, quotes and line breaks), as pandas reads it. */
function readCsv(text: string): Record<string, string>[] {
  const records: string[][] = [[]];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      records.at(-1)?.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      records.at(-1)?.push(field);
      field = "";
      records.push([]);
      i++;
    } else field += c;
  }
  if (records.at(-1)?.length === 0) records.pop();
  const [header = [], ...rows] = records;
  for (const row of rows) expect(row.length, `row ${row.join(",")}`).toBe(header.length);
  return rows.map((row) => Object.fromEntries(header.map((h, i) => [h, row[i] ?? ""])));
}

test("the README's notebook requests answer the columns it reads", async ({ request }) => {
  // README: npm run token -- create --user ada@stepwise.local   (the token is the last line)
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "scripts/token.ts", "create", "--user", "ada@stepwise.local", "--name", "notebook-e2e"],
    {
      env: { ...process.env, DATABASE_URL: e2eEnv().databaseUrl },
      encoding: "utf8",
    },
  );
  const token = out.trim().split("\n").at(-1) ?? "";
  expect(token).toMatch(/^sw_/);
  const headers = { authorization: `Bearer ${token}` };
  const csv = async (path: string, params: Record<string, string> = {}) => {
    const url = new URL(path, baseURL);
    for (const [k, v] of Object.entries({ ...params, format: "csv" })) url.searchParams.set(k, v);
    const response = await request.get(url.toString(), { headers });
    expect(response.status(), await response.text()).toBe(200);
    expect(response.headers()["content-type"]).toBe("text/csv; charset=utf-8");
    return readCsv(await response.text());
  };

  // pipelines = csv("/api/v1/pipelines")
  const pipelines = await csv("/api/v1/pipelines");
  const pipeline = pipelines.find((p) => p.name === "size-recommendation-training");
  expect(pipeline?.id).toMatch(/^\d+$/);
  const pid = pipeline?.id ?? "";

  // runs = csv(f"/api/v1/pipelines/{pid}/runs", include="hyperparameters", limit=200): one column per metric and hyperparameter
  const runs = await csv(`/api/v1/pipelines/${pid}/runs`, { include: "hyperparameters", limit: "200" });
  expect(runs.length).toBeGreaterThan(5);
  const columns = Object.keys(runs[0] ?? {});
  expect(columns.slice(0, 6)).toEqual(["id", "name", "status", "startedAt", "stoppedAt", "durationMs"]);
  const metricColumns = columns.filter((c) => c.startsWith("metrics."));
  const hpColumns = columns.filter((c) => c.startsWith("hyperparameters."));
  expect(metricColumns.length).toBeGreaterThan(0);
  expect(hpColumns.length).toBeGreaterThan(0);
  const succeeded = runs.filter((r) => r.status === "SUCCEEDED");
  expect(
    succeeded.some((r) => Number.isFinite(Number(r[metricColumns[0] ?? ""])) && r[metricColumns[0] ?? ""] !== ""),
  ).toBe(true);
  // The same filters as JSON: the CSV rows are the JSON items.
  const json = (await (
    await request.get(`/api/v1/pipelines/${pid}/runs?include=hyperparameters&limit=200`, { headers })
  ).json()) as { runs: { id: string; hyperparameters: Record<string, string> }[] };
  expect(runs.map((r) => r.id)).toEqual(json.runs.map((r) => r.id));
  const [firstJson] = json.runs;
  for (const [name, value] of Object.entries(firstJson?.hyperparameters ?? {})) {
    expect(runs[0]?.[`hyperparameters.${name}`]).toBe(value);
  }

  // evolution = csv(f"/api/v1/pipelines/{pid}/metrics", x="number"): one row per run, a column per metric
  const headline = (metricColumns[0] ?? "").replace(/^metrics\./, "");
  const evolution = await csv(`/api/v1/pipelines/${pid}/metrics`, { x: "number" });
  expect(Object.keys(evolution[0] ?? {})).toEqual([
    "id",
    "name",
    "status",
    "startedAt",
    "number",
    headline,
    `${headline} baseline`,
  ]);

  // steps = csv(f"/api/v1/runs/{runs.id[0]}/steps")
  const steps = await csv(`/api/v1/runs/${succeeded[0]?.id}/steps`);
  expect(Object.keys(steps[0] ?? {}).slice(0, 7)).toEqual([
    "key",
    "stateName",
    "stateType",
    "status",
    "enteredAt",
    "exitedAt",
    "durationMs",
  ]);
  expect(steps.every((s) => s.durationMs === "" || Number(s.durationMs) >= 0)).toBe(true);

  // models = csv("/api/v1/models"); card = requests.get(f"/api/v1/models/{mid}/versions/{v}/card").json()
  const models = await csv("/api/v1/models");
  expect(Object.keys(models[0] ?? {}).slice(0, 2)).toEqual(["id", "name"]);
  const model = models.find((m) => m["latest.version"] !== undefined && m["latest.version"] !== "") ?? models[0];
  const version = model?.["latest.version"] ?? "1";
  const card = await request.get(`/api/v1/models/${model?.id}/versions/${version}/card`, { headers });
  expect(card.status()).toBe(200);

  // A JSON-only endpoint says so; an unknown format is refused.
  expect((await request.get(`/api/v1/runs/${succeeded[0]?.id}?format=csv`, { headers })).status()).toBe(400);
  expect((await request.get("/api/v1/pipelines?format=xml", { headers })).status()).toBe(400);
});
