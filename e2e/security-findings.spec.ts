/**
 * The findings of issue #14, reproduced the way an outsider found them, after a real login:
 *  1. a client navigation (RSC) or prefetch request replayed with a forged session cookie must not
 *     answer with a byte of the page's data (the layouts are not re-rendered on client navigations);
 *  2. `callbackUrl` must not become an off-site redirect after normalisation (`/.//evil.example`);
 *  3. a NUL byte in a path parameter is bad input (400/404), never a 500.
 */
import { request as apiRequest, expect, type Page, type Request, test } from "@playwright/test";
import { baseURL } from "../playwright.config";
import { NO_SESSION } from "./support/login";

type PipelineList = { pipelines: { id: number; name: string }[] };
type RunList = { runs: { publicId: string; name: string }[] };

/** A demo pipeline with runs, once the sync has brought it in. */
async function pipelineWithRuns(page: Page): Promise<{ id: number; name: string; runs: RunList["runs"] }> {
  let found: { id: number; name: string; runs: RunList["runs"] } | null = null;
  await expect(async () => {
    const list = (await (await page.request.get("/api/v1/pipelines?limit=50")).json()) as PipelineList;
    for (const pipeline of list.pipelines) {
      const runs = (await (await page.request.get(`/api/v1/pipelines/${pipeline.id}/runs?limit=20`)).json()) as RunList;
      if (runs.runs.length > 0) {
        found = { ...pipeline, runs: runs.runs };
        return;
      }
    }
    throw new Error("no pipeline with runs yet");
  }).toPass({ timeout: 240_000, intervals: [2_000, 5_000] });
  if (!found) throw new Error("unreachable");
  return found;
}

/** Request headers a replay keeps: everything the browser sent except its credentials. */
function replayHeaders(request: Request, cookie: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers())) {
    if (name === "cookie" || name.startsWith(":")) continue;
    headers[name] = value;
  }
  headers.cookie = cookie;
  return headers;
}

const isRsc = (request: Request) => request.headers().rsc === "1";

test.describe("finding 1: forged session cookie on client navigations and prefetches", () => {
  test.describe.configure({ timeout: 300_000 });

  test("an RSC navigation replayed with a forged cookie answers no page data", async ({ page }) => {
    const pipeline = await pipelineWithRuns(page);
    await page.goto("/pipelines");
    const captured: Request[] = [];
    page.on("request", (request) => {
      if (isRsc(request)) captured.push(request);
    });
    await page.getByTestId("pipelines-table").getByRole("link", { name: pipeline.name, exact: true }).click();
    await page.waitForURL(new RegExp(`/pipelines/${pipeline.id}(\\?|$)`));
    await expect(page.getByRole("heading", { name: "Runs" })).toBeVisible();
    const navigation = captured.find(
      (r) => new URL(r.url()).pathname === `/pipelines/${pipeline.id}` && !r.headers()["next-router-prefetch"],
    );
    expect(navigation, "the click made a client navigation request").toBeTruthy();
    if (!navigation) return;

    const anonymous = await apiRequest.newContext({ baseURL, storageState: NO_SESSION });
    const forged = await anonymous.get(navigation.url(), {
      headers: replayHeaders(navigation, "stepwise.session=forged"),
      maxRedirects: 0,
    });
    const body = await forged.text();
    const leaked = pipeline.runs.filter((run) => body.includes(run.publicId)).map((run) => run.publicId);
    console.log(`forged RSC navigation: ${forged.status()}, ${body.length} bytes, run ids leaked: ${leaked.length}`);
    expect(leaked, "run ids in the forged answer").toEqual([]);
    expect(body).not.toContain("Metric evolution");
    await anonymous.dispose();
  });

  test("a metadata prefetch of a run page replayed with a forged cookie leaks nothing through its metadata", async ({
    page,
  }) => {
    const pipeline = await pipelineWithRuns(page);
    const run = pipeline.runs[0];
    if (!run) throw new Error("no run");
    const anonymous = await apiRequest.newContext({ baseURL, storageState: NO_SESSION });
    // What the router sends to prefetch a link's <head> (Next 16): a "metadata-only" state tree.
    const metadataOnly = encodeURIComponent(JSON.stringify(["", {}, null, "metadata-only"]));
    const headers = {
      rsc: "1",
      "next-router-prefetch": "1",
      "next-router-state-tree": metadataOnly,
      "next-url": "/pipelines",
      cookie: "stepwise.session=forged",
    };
    // The first answer only adds the cache-busting `_rsc` parameter computed from these headers.
    const first = await anonymous.get(`/runs/${run.publicId}`, { headers, maxRedirects: 0 });
    const location = first.headers().location ?? `/runs/${run.publicId}`;
    const response = await anonymous.get(location, { headers, maxRedirects: 0 });
    const body = await response.text();
    console.log(`forged metadata prefetch of ${location}: ${response.status()}, ${body.length} bytes`);
    expect(body, "run name in a forged prefetch").not.toContain(run.name);
    expect(body).not.toContain(pipeline.name);
    await anonymous.dispose();
  });
});

test("finding 2: callbackUrl is checked after normalisation (open redirect)", async ({ page }) => {
  for (const target of ["/.//evil.example", "/%2e//evil.example", "/..//evil.example", "/./%2F/evil.example"]) {
    const response = await page.request.get(`/login?callbackUrl=${encodeURIComponent(target)}`, { maxRedirects: 0 });
    const location = response.headers().location ?? "";
    console.log(`${target} → ${response.status()} Location: ${location}`);
    expect(response.status(), target).toBe(307);
    expect(new URL(location, baseURL).origin, `${target} → ${location}`).toBe(new URL(baseURL).origin);
    expect(location.startsWith("//"), `${target} → ${location}`).toBe(false);
  }
});

test("finding 3: a NUL byte in a path parameter is bad input, not a 500", async ({ page }) => {
  for (const path of ["/api/v1/runs/%00", "/api/v1/runs/%00/steps", "/api/v1/models/%00", "/runs/%00"]) {
    const response = await page.request.get(path, { maxRedirects: 0 });
    console.log(`${path} → ${response.status()}`);
    expect([400, 404], path).toContain(response.status());
  }
});
