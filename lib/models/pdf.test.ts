/**
 * The PDF renderer with a real headless Chromium against a small stand-in for the print view (an HTTP
 * server whose pages can be held open, so "a render is in progress" is an event, not a guess):
 * bounded queue (503 when full), renders abandoned when the client goes away (queued or in Chromium),
 * no slot leaked when Chromium dies mid-render, and a dead browser replaced by a new one.
 */
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { closePdfBrowser, pdfStats, renderCardPdf } from "./pdf";

type Held = { path: string; release: () => void; closed: Promise<void> };

let server: http.Server;
const arrivals: Held[] = [];
let arrived: ((held: Held) => void) | null = null;

/** Resolves with the next request the stand-in print view receives on a /held/ path. */
function nextArrival(): Promise<Held> {
  const waiting = arrivals.shift();
  if (waiting) return Promise.resolve(waiting);
  return new Promise((resolve) => {
    arrived = resolve;
  });
}

const HTML = "<!doctype html><html><head><title>card</title></head><body><h1>Model card</h1><p>text</p></body></html>";

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const send = () => {
      if (response.destroyed) return;
      response.writeHead(200, { "content-type": "text/html" }).end(HTML);
    };
    if (!path.startsWith("/held/")) return send();
    const closed = once(response, "close").then(() => undefined);
    const held: Held = { path, release: send, closed };
    if (arrived) {
      const resolve = arrived;
      arrived = null;
      resolve(held);
    } else arrivals.push(held);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  process.env.STEPWISE_INTERNAL_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  delete process.env.STEPWISE_PDF_PARALLEL;
  delete process.env.STEPWISE_PDF_QUEUE;
  expect(pdfStats()).toMatchObject({ active: 0, queued: 0 });
});

afterAll(async () => {
  await closePdfBrowser();
  server.closeAllConnections();
  server.close();
  delete process.env.STEPWISE_INTERNAL_URL;
});

const render = (path: string, signal?: AbortSignal) =>
  renderCardPdf({ path, cookie: "stepwise.session=test", format: "A4", running: "r", footer: "f", signal });

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The process ids of the running browser, from Chromium itself. */
async function browserPid(): Promise<number> {
  const holder = globalThis as typeof globalThis & { __stepwisePdfState?: { browser: Promise<Browser> | null } };
  const browser = await holder.__stepwisePdfState?.browser;
  if (!browser) throw new Error("no browser");
  const cdp = await browser.newBrowserCDPSession();
  const info = (await cdp.send("SystemInfo.getProcessInfo")) as { processInfo: { type: string; id: number }[] };
  const main = info.processInfo.find((p) => p.type === "browser");
  if (!main) throw new Error("no browser process");
  return main.id;
}

describe("renderCardPdf", () => {
  it("prints the page as a PDF", async () => {
    const pdf = await render("/models/1/versions/1/print");
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("queues at most STEPWISE_PDF_QUEUE renders and refuses the next with 503 and Retry-After", async () => {
    process.env.STEPWISE_PDF_PARALLEL = "1";
    process.env.STEPWISE_PDF_QUEUE = "1";
    const first = settle(render("/held/a"));
    const inChromium = await nextArrival();
    const second = settle(render("/held/b"));
    expect(pdfStats()).toMatchObject({ active: 1, queued: 1 });
    const refused = await settle(render("/held/c"));
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error).toBeInstanceOf(AppError);
      expect(refused.error).toMatchObject({ code: "unavailable", status: 503, retryAfterSeconds: 10 });
    }
    inChromium.release();
    (await nextArrival()).release();
    expect((await first).ok).toBe(true);
    expect((await second).ok).toBe(true);
  });

  it("drops a queued render whose client went away, before it reaches Chromium", async () => {
    process.env.STEPWISE_PDF_PARALLEL = "1";
    const first = settle(render("/held/a"));
    const inChromium = await nextArrival();
    const client = new AbortController();
    const queued = settle(render("/held/b", client.signal));
    expect(pdfStats().queued).toBe(1);
    client.abort();
    const result = await queued;
    expect(result.ok).toBe(false);
    expect(pdfStats()).toMatchObject({ active: 1, queued: 0 });
    inChromium.release();
    expect((await first).ok).toBe(true);
    expect(arrivals).toEqual([]);
  });

  it("stops a render in Chromium when its client goes away", async () => {
    const client = new AbortController();
    const rendering = settle(render("/held/a", client.signal));
    const inChromium = await nextArrival();
    client.abort();
    const result = await rendering;
    expect(result.ok).toBe(false);
    // Chromium closed the page's connection: the print view is no longer being loaded.
    await inChromium.closed;
  });

  it("releases the slot when Chromium dies mid-render and launches a new browser for the next one", async () => {
    process.env.STEPWISE_PDF_PARALLEL = "1";
    await render("/models/1/versions/1/print");
    const launches = pdfStats().launches;
    const rendering = settle(render("/held/a"));
    await nextArrival();
    process.kill(await browserPid(), "SIGKILL");
    const result = await rendering;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: "internal" });
    expect(pdfStats().active).toBe(0);
    const pdf = await render("/models/1/versions/1/print");
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdfStats().launches).toBe(launches + 1);
  });
});
