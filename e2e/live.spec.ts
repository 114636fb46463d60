/**
 * Live updates end to end: Postgres commit → NOTIFY → the instance's LISTEN
 * connection → SSE → the browser's DOM; surviving a killed LISTEN connection;
 * crossing to a second app instance; no leaked listeners or sockets after
 * thousands of streams; streams closed when the session ends; 500 streams of one
 * session refused past the per-user cap while other users' streams work.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { expect, type Page, test } from "@playwright/test";
import { e2eEnv } from "./support/env";
import { type SecondInstance, startSecondInstance } from "./support/instance";
import { BEN, NO_SESSION, sessionCookie, signInAs } from "./support/login";
import { liveIndicator, requestsSeen } from "./support/page-probes";
import { type SeedDb, seedPipeline, seedRun, withDb } from "./support/seed";

const unique = () => Math.random().toString(36).slice(2, 10);

/** What the sync does for a change: a live_event row and a NOTIFY, in one transaction. */
async function publish(topic: string, id: string): Promise<void> {
  await withDb(async (c) => {
    await c.query("BEGIN");
    await c.query("INSERT INTO live_event (topic, kind, entity_id, version) VALUES ($1, 'run', $2, 1)", [topic, id]);
    await c.query("SELECT pg_notify('stepwise_live', '{}')");
    await c.query("COMMIT");
  });
}

/**
 * What the sync writes when a run ends: the row, its live event and the NOTIFY, in one transaction. Returns
 * the live event's id.
 */
async function endRun(db: SeedDb, publicId: string): Promise<number> {
  await db.query("BEGIN");
  await db.query("UPDATE run SET status = 'FAILED', stopped_at = now(), version = version + 1 WHERE public_id = $1", [
    publicId,
  ]);
  const event = await db.one<{ id: string }>(
    `INSERT INTO live_event (topic, kind, entity_id, version)
     SELECT $1, 'run', public_id, version FROM run WHERE public_id = $2 RETURNING id::text`,
    [`run:${publicId}`, publicId],
  );
  await db.query("SELECT pg_notify('stepwise_live', '{}')");
  await db.query("COMMIT");
  return Number(event.id);
}

/** A RUNNING run of a pipeline of its own, with `steps` finished steps (one Pass state entered again and again). */
async function seedRunningRun(tag: string, steps = 0): Promise<string> {
  const publicId = `live${tag}`;
  const definition = { StartAt: "Train", States: { Train: { Type: "Pass", End: true } } };
  await withDb(async (db) => {
    const seeded = await seedPipeline(db, { prefix: "live-run", definition });
    const { runId } = await seedRun(db, seeded, { publicId, name: tag, definition, status: "RUNNING" });
    if (steps === 0) return;
    await db.query(
      `INSERT INTO step (run_id, key, state_name, state_type, status, entered_at, exited_at, entered_event_id,
                         exited_event_id)
       SELECT $1, 'Train#' || n, 'Train', 'Pass', 'SUCCEEDED', now() - interval '4 minutes' + n * interval '50 ms',
              now() - interval '4 minutes' + n * interval '50 ms' + interval '20 ms', 2 * n, 2 * n + 1
         FROM generate_series(1, $2::int) n`,
      [runId, steps],
    );
    await db.query("UPDATE run SET step_count = $2 WHERE id = $1", [runId, steps]);
  });
  return publicId;
}

/** Opens an EventSource in the page that writes every message into a list in the DOM. */
async function openStream(page: Page, topics: string, origin = ""): Promise<void> {
  await page.evaluate(
    ({ topics, origin }) => {
      const list = document.createElement("ol");
      list.id = "live-log";
      document.body.append(list);
      const add = (text: string) => {
        const item = document.createElement("li");
        item.textContent = text;
        list.append(item);
      };
      const source = new EventSource(`${origin}/api/live?topics=${encodeURIComponent(topics)}`);
      source.addEventListener("ready", () => add("ready"));
      source.addEventListener("change", (e) => add(`change ${JSON.parse((e as MessageEvent).data).id}`));
      source.addEventListener("resync", () => add("resync"));
      source.addEventListener("unauthorized", () => add("unauthorized"));
      (window as unknown as { liveSource: EventSource }).liveSource = source;
    },
    { topics, origin },
  );
  await expect(page.locator("#live-log li", { hasText: "ready" })).toHaveCount(1);
}

test("a committed change reaches the DOM over SSE, and still does after the LISTEN connection is killed", async ({
  page,
}) => {
  const topic = `run:e2e${unique()}`;
  await page.goto("/pipelines");
  await openStream(page, topic);

  await publish(topic, "first");
  await expect(page.locator("#live-log li", { hasText: "change first" })).toHaveCount(1);

  // What a Postgres restart does to the instance's LISTEN connection.
  const killed = await withDb(async (c) => {
    const r = await c.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'stepwise-live'",
    );
    return r.rowCount ?? 0;
  });
  expect(killed).toBeGreaterThan(0);
  await expect(page.locator("#live-log li", { hasText: "resync" })).toHaveCount(1);

  await publish(topic, "second");
  await expect(page.locator("#live-log li", { hasText: "change second" })).toHaveCount(1);
  await expect(page.locator("#live-log li", { hasText: /change/ })).toHaveCount(2);
});

test("a run that ends between the page's render and its stream's subscription is shown ended", async ({ page }) => {
  const publicId = await seedRunningRun(unique());
  // The page's stream is held at the network until the run has ended, as when the sync commits the end while
  // the page is still loading: the change is committed before the stream subscribes, so it never arrives on it.
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let asked = 0;
  await page.route(/\/api\/live\?/, async (route) => {
    asked += 1;
    await held;
    await route.continue();
  });
  await page.goto(`/runs/${publicId}`);
  await expect(page.getByTestId("run-status")).toContainText("Running");
  await expect.poll(() => asked).toBeGreaterThan(0);
  await withDb((db) => endRun(db, publicId));
  release();
  await expect(page.getByTestId("run-status")).toContainText("Failed");
  await page.unroute(/\/api\/live\?/);
});

/** The run page's requests for its live queries (run, steps, changes), by what they ask. */
function countRunQueries(page: Page, publicId: string) {
  const counts = { run: 0, steps: 0, changes: 0 };
  const base = `/api/v1/runs/${publicId}`;
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname === base && url.searchParams.get("payloads") === "0") counts.run += 1;
    else if (url.pathname === `${base}/steps`) counts.steps += 1;
    else if (url.pathname === `${base}/changes`) counts.changes += 1;
  });
  return counts;
}

test("a 2,000-step run page's stream starts from its render's live event id: nothing is fetched again when it opens", async ({
  page,
}) => {
  // The feed is not empty (the render then has an id to state), whatever ran before.
  await publish(`run:e2e${unique()}`, "before");
  const publicId = await seedRunningRun(unique(), 2000);
  const counts = countRunQueries(page, publicId);
  const streams: URL[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname === "/api/live") streams.push(url);
  });
  const stepList = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(`${publicId}/steps`));
  await page.goto(`/runs/${publicId}`);
  await expect(page.getByTestId("run-status")).toContainText("Running");
  await expect(liveIndicator(page)).toHaveAttribute("data-status", "live");
  await stepList;
  await requestsSeen(page);
  // The stream named the render's id; the whole step list was loaded once after the first paint (the page
  // renders the first 100), the changes once on mount, the run itself never: before, "ready" fetched all again.
  expect(streams).toHaveLength(1);
  expect(streams[0]?.searchParams.get("lastEventId")).toMatch(/^\d+$/);
  expect(streams[0]?.searchParams.get("topics")?.split(",")).toContain(`run:${publicId}`);
  expect(counts).toEqual({ run: 0, steps: 1, changes: 1 });

  // A change after the stream opened still reaches the page, and fetches each query once.
  const stepsAgain = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(`${publicId}/steps`));
  await withDb((db) => endRun(db, publicId));
  await expect(page.getByTestId("run-status")).toContainText("Failed");
  await stepsAgain;
  await requestsSeen(page);
  expect(counts).toEqual({ run: 1, steps: 2, changes: 2 });
});

test("a render's id past the feed's catch-up reach: the server says resync and the page refetches, as before", async ({
  page,
}) => {
  await publish(`run:e2e${unique()}`, "before");
  const publicId = await seedRunningRun(unique());
  // As in the test above this one, the stream is held until the run has ended; then the feed is pruned past the
  // render's id (retention), so the server cannot replay what the render missed and must say so.
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const asked: URL[] = [];
  await page.route(/\/api\/live\?/, async (route) => {
    asked.push(new URL(route.request().url()));
    await held;
    await route.continue();
  });
  await page.goto(`/runs/${publicId}`);
  await expect(page.getByTestId("run-status")).toContainText("Running");
  await expect.poll(() => asked.length).toBeGreaterThan(0);
  const renderedAt = Number(asked[0]?.searchParams.get("lastEventId"));
  const ended = await withDb((db) => endRun(db, publicId));
  await publish(`run:e2e${unique()}`, "after");
  await withDb((db) => db.query("DELETE FROM live_event WHERE id <= $1", [ended]));
  expect(renderedAt).toBeGreaterThan(0);
  expect(renderedAt).toBeLessThan(ended);
  release();
  await expect(page.getByTestId("run-status")).toContainText("Failed");
  await page.unroute(/\/api\/live\?/);
});

test.describe("two app instances on one Postgres", () => {
  let second: SecondInstance | undefined;
  const port = Number(process.env.E2E_PORT ?? 3100) + 10;

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    // Instance B serves pages and streams only; instance A (the e2e server) does all the syncing.
    second = await startSecondInstance({ port, idpPort: port + 1 });
  });

  test.afterAll(async () => {
    await second?.stop();
  });

  test("a session from instance A works on B, and changes synced by A reach a browser on B", async ({ page }) => {
    const b = `http://localhost:${port}`;
    await page.goto(`${b}/pipelines`);
    await expect(page).toHaveURL(`${b}/pipelines`);
    await expect(page.getByRole("heading", { level: 1, name: "Pipelines" })).toBeVisible();

    // A change written through Postgres by anyone (here: the test, as the sync on A would) reaches B's stream.
    const topic = `run:e2e${unique()}`;
    await openStream(page, `pipelines,${topic}`);
    await publish(topic, "via-postgres");
    await expect(page.locator("#live-log li", { hasText: "change via-postgres" })).toHaveCount(1);

    // And a real sync on A: start a demo run in A's emulator; A syncs it, B's browser hears about it.
    const before = await page.locator("#live-log li", { hasText: /^change / }).count();
    const started = await fetch(`${e2eEnv().emulatorUrl}/__admin/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pipeline: "size-recommendation-training" }),
    });
    expect(started.ok).toBe(true);
    await expect
      .poll(() => page.locator("#live-log li", { hasText: /^change / }).count(), { timeout: 60_000 })
      .toBeGreaterThan(before);
  });
});

test("thousands of streams opened and dropped leave no listener or socket behind", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  // No page is opened: a portal page would open its own live stream and move the baseline.
  const cookie = await sessionCookie(page);
  const url = new URL(baseURL ?? "http://localhost:3100");
  const headers = { cookie: `${cookie.name}=${cookie.value}` };
  const metrics = async () => {
    const text = await (await fetch(`${url.origin}/api/metrics`, { headers })).text();
    return Number(/^stepwise_live_listeners (\d+)/m.exec(text)?.[1] ?? Number.NaN);
  };
  const sockets = () =>
    execFileSync("ss", ["-Htn", "state", "established", `( sport = :${url.port} )`], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean).length;

  const baseline = { listeners: await metrics(), sockets: sockets() };
  expect(Number.isNaN(baseline.listeners)).toBe(false);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const statuses = new Map<number, number>();
  /** Opens a stream; resolves once it is flowing (then drops it, unless held) or refused (429). */
  const openAndDrop = (hold?: http.ClientRequest[]) =>
    new Promise<void>((resolve, reject) => {
      const request = http.get(
        { host: "127.0.0.1", port: url.port, path: `/api/live?topics=run:leak${unique()},pipelines`, headers, agent },
        (response) => {
          const status = response.statusCode ?? 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          // Past the per-user cap (20) a stream is refused with 429: that must leave nothing behind either.
          if (status === 429) {
            response.resume();
            return response.once("end", resolve);
          }
          if (status !== 200) return reject(new Error(`status ${status}`));
          response.once("data", () => {
            if (hold) hold.push(request);
            else request.destroy();
            resolve();
          });
        },
      );
      request.on("error", (error) => (request.destroyed ? resolve() : reject(error)));
    });
  // 2,000 streams opened and dropped; every tenth round holds 20 open and has 30 more refused meanwhile.
  for (let round = 0; round < 100; round++) {
    if (round % 10 === 9) {
      const held: http.ClientRequest[] = [];
      // Until 20 are held (streams dropped a moment ago may still count): then every further one is refused.
      while (held.length < 20) await openAndDrop(held);
      await Promise.all(Array.from({ length: 30 }, () => openAndDrop()));
      for (const request of held) request.destroy();
    } else {
      await Promise.all(Array.from({ length: 20 }, () => openAndDrop()));
    }
  }
  agent.destroy();
  expect(statuses.get(200) ?? 0).toBeGreaterThanOrEqual(1_500);
  expect(statuses.get(429) ?? 0).toBeGreaterThanOrEqual(300);

  await expect.poll(metrics, { timeout: 30_000 }).toBe(baseline.listeners);
  await expect.poll(sockets, { timeout: 30_000 }).toBeLessThanOrEqual(baseline.sockets + 2);
});

test("signing out everywhere closes that session's open streams", async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ storageState: NO_SESSION });
  const page = await context.newPage();
  await signInAs(page, BEN, "/pipelines");
  await openStream(page, `run:e2e${unique()}`);
  // What "sign out everywhere" and an admin's revocation do: Ben's sessions are gone from the database.
  await withDb((c) => c.query(`DELETE FROM session WHERE user_id = (SELECT id FROM "user" WHERE email = $1)`, [BEN]));
  await expect(page.locator("#live-log li", { hasText: "unauthorized" })).toHaveCount(1, { timeout: 60_000 });
  await context.close();
});

test("500 streams from one session are refused past the per-user cap while other users' streams work", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const url = new URL(baseURL ?? "http://localhost:3100");
  // A user of its own (no page of this test opens streams for it), signed in by a session row.
  const token = randomBytes(32).toString("base64url");
  const userId = `e2e-flood-${unique()}`;
  await withDb(async (c) => {
    await c.query(`INSERT INTO "user" (id, email, name) VALUES ($1, $2, 'Flood')`, [userId, `${userId}@test.local`]);
    await c.query(
      `INSERT INTO session (id, session_token, user_id, expires, absolute_expires_at)
       VALUES ($1, $2, $3, now() + interval '1 hour', now() + interval '1 hour')`,
      [`${userId}-s`, createHash("sha256").update(token).digest("hex"), userId],
    );
  });
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const held: http.ClientRequest[] = [];
  const open = () =>
    new Promise<number>((resolve, reject) => {
      const request = http.get(
        {
          host: "127.0.0.1",
          port: url.port,
          path: `/api/live?topics=run:flood${unique()}`,
          headers: { cookie: `stepwise.session=${token}` },
          agent,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status === 200) {
            held.push(request);
            response.once("data", () => resolve(status));
          } else {
            expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
            response.resume();
            response.once("end", () => resolve(status));
          }
        },
      );
      request.on("error", (error) => (request.destroyed ? resolve(0) : reject(error)));
    });
  try {
    const statuses = await Promise.all(Array.from({ length: 500 }, open));
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(480);
    // Meanwhile another user's stream (Ada's, in the browser) opens and receives changes.
    await page.goto("/api/health");
    const topic = `run:e2e${unique()}`;
    await openStream(page, topic);
    await publish(topic, "other-user");
    await expect(page.locator("#live-log li", { hasText: "change other-user" })).toHaveCount(1);
  } finally {
    for (const request of held) request.destroy();
    agent.destroy();
    await withDb((c) => c.query(`DELETE FROM "user" WHERE id = $1`, [userId]));
  }
});
