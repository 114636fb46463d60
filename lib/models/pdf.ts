/**
 * "Download PDF": headless Chromium (playwright-core, the driver @playwright/test ships) renders the
 * card's print view as the signed-in user (their session cookie is forwarded, so the print page runs
 * the same login and permission checks as in a browser) and prints it with Chromium's header/footer
 * templates for page numbers.
 *
 * Chromium is heavy and the app shares its cores, so rendering is rationed:
 *  - one browser per app instance, started on first use, closed after a minute without work, and
 *    launched again when it crashed (a dead browser is never handed out);
 *  - at most STEPWISE_PDF_PARALLEL renders at once (2), at most STEPWISE_PDF_QUEUE waiting (8); a full
 *    queue answers 503 with Retry-After at once (one render per user at a time is the route's cap,
 *    lib/api/limits.ts, so a user's flood costs one slot);
 *  - a render is abandoned when the client goes away (its request's AbortSignal), whether it is still
 *    waiting or already in Chromium;
 *  - the slot is released whatever happens: the browser context is created inside the guarded block,
 *    so a crash while creating it cannot leak the slot.
 * The page is loaded from the app's own loopback address, JavaScript off (the print view is complete
 * server-rendered HTML), and every request to another origin is refused.
 */
import "server-only";
import type { Browser, BrowserContext } from "playwright-core";
import { CHROMIUM_ARGS, chromiumPath } from "@/lib/chromium";
import { AppError, unavailable } from "@/lib/errors";

const IDLE_CLOSE_MS = 60_000;
const RENDER_TIMEOUT_MS = 30_000;

const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
export const pdfParallel = () => envInt("STEPWISE_PDF_PARALLEL", 2);
export const pdfQueueLimit = () => envInt("STEPWISE_PDF_QUEUE", 8);

type Waiter = { grant: () => void; signal?: AbortSignal };
type State = {
  browser: Promise<Browser> | null;
  idle: ReturnType<typeof setTimeout> | null;
  active: number;
  queue: Waiter[];
  launches: number;
};
const holder = globalThis as typeof globalThis & { __stepwisePdfState?: State };
const state: State = holder.__stepwisePdfState ?? { browser: null, idle: null, active: 0, queue: [], launches: 0 };
holder.__stepwisePdfState = state;

/** Where this instance's server answers itself (the print page is rendered from there). */
export function internalOrigin(): string {
  if (process.env.STEPWISE_INTERNAL_URL) return process.env.STEPWISE_INTERNAL_URL.replace(/\/+$/, "");
  return `http://127.0.0.1:${process.env.PORT ?? 3000}`;
}

/** Renders running, renders waiting, and browsers launched so far (tests, diagnostics). */
export function pdfStats(): { active: number; queued: number; launches: number; browser: boolean } {
  return {
    active: state.active,
    queued: state.queue.length,
    launches: state.launches,
    browser: state.browser !== null,
  };
}

const gone = () => new AppError("bad_request", "The PDF request was abandoned by the client.");

async function launch(): Promise<Browser> {
  let chromium: typeof import("playwright-core").chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch {
    throw new AppError("internal", "PDF rendering is not available on this server (playwright-core is not installed).");
  }
  state.launches++;
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS],
    headless: true,
  });
}

/** A connected browser: the running one, or a new one when there is none or it died (crash, kill). */
async function browserForRender(): Promise<Browser> {
  const current = state.browser;
  if (current) {
    const browser = await current.catch(() => null);
    if (browser?.isConnected()) return browser;
    if (state.browser === current) state.browser = null;
    // Another render may have started a new browser while this one waited.
    if (state.browser) return browserForRender();
  }
  const launching = launch();
  state.browser = launching;
  launching.then(
    (browser) =>
      browser.on("disconnected", () => {
        if (state.browser === launching) state.browser = null;
      }),
    () => {
      if (state.browser === launching) state.browser = null;
    },
  );
  return launching;
}

/** Waits for a render slot; refuses at once when the queue is full, gives up when the client leaves. */
async function acquire(signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw gone();
  if (state.active < pdfParallel()) {
    state.active++;
  } else {
    if (state.queue.length >= pdfQueueLimit()) {
      throw unavailable("Too many PDFs are being printed right now. Try again in a few seconds.", 10);
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const index = state.queue.indexOf(waiter);
        if (index >= 0) state.queue.splice(index, 1);
        reject(gone());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      state.queue.push(waiter);
    });
  }
  if (state.idle) clearTimeout(state.idle);
  state.idle = null;
}

function release(): void {
  const next = state.queue.shift();
  // The slot passes straight to the next waiter, so `active` only drops when nobody waits.
  if (next) {
    next.grant();
    return;
  }
  state.active--;
  if (state.active === 0 && !state.idle) {
    state.idle = setTimeout(() => {
      state.idle = null;
      const closing = state.browser;
      state.browser = null;
      void closing?.then((b) => b.close()).catch(() => undefined);
    }, IDLE_CLOSE_MS);
    state.idle.unref?.();
  }
}

/** Closes the browser now (tests; an instance shutting down). */
export async function closePdfBrowser(): Promise<void> {
  const closing = state.browser;
  state.browser = null;
  await closing?.then((b) => b.close()).catch(() => undefined);
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** Chromium's header/footer templates: plain HTML, own font size, page numbers through its classes. */
export function headerFooterTemplates({ running, footer }: { running: string; footer: string }) {
  const box = "font-family: system-ui, sans-serif; font-size: 7.5pt; color: #333; width: 100%; margin: 0 14mm;";
  const row = "display: flex; justify-content: space-between; gap: 8mm;";
  return {
    headerTemplate: `<div style="${box}"><div style="${row}"><span>${escapeHtml(running)}</span><span>Stepwise model card</span></div></div>`,
    footerTemplate:
      `<div style="${box}"><div style="${row}"><span style="overflow-wrap: anywhere;">${escapeHtml(footer)}</span>` +
      '<span style="white-space: nowrap;">Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div></div>',
  };
}

export async function renderCardPdf({
  path,
  cookie,
  format,
  running,
  footer,
  signal,
}: {
  /** Path of the print view, e.g. /models/3/versions/12/print */
  path: string;
  /** "name=value" of the caller's session cookie. */
  cookie: string;
  format: "A4" | "Letter";
  running: string;
  footer: string;
  /** The caller's request signal: the render stops when the client goes away. */
  signal?: AbortSignal;
}): Promise<Buffer> {
  await acquire(signal);
  let context: BrowserContext | null = null;
  const onAbort = () => void context?.close().catch(() => undefined);
  try {
    if (signal?.aborted) throw gone();
    signal?.addEventListener("abort", onAbort, { once: true });
    const browser = await browserForRender();
    const origin = internalOrigin();
    context = await browser.newContext({
      javaScriptEnabled: false,
      colorScheme: "light",
      extraHTTPHeaders: { cookie },
    });
    if (signal?.aborted) throw gone();
    const page = await context.newPage();
    page.setDefaultTimeout(RENDER_TIMEOUT_MS);
    await page.route("**/*", (route) =>
      new URL(route.request().url()).origin === origin ? route.continue() : route.abort("blockedbyclient"),
    );
    const response = await page.goto(`${origin}${path}?pdf=1`, { waitUntil: "load" });
    const status = response?.status() ?? 0;
    if (status !== 200 || !new URL(page.url()).pathname.startsWith(path)) {
      throw new AppError(
        status === 404 ? "not_found" : "internal",
        status === 404 ? "No such model card." : `The print view could not be rendered (HTTP ${status}).`,
      );
    }
    await page.emulateMedia({ media: "print", colorScheme: "light" });
    return await page.pdf({
      format,
      printBackground: true,
      displayHeaderFooter: true,
      ...headerFooterTemplates({ running, footer }),
      margin: { top: "16mm", bottom: "18mm", left: "14mm", right: "14mm" },
      preferCSSPageSize: false,
    });
  } catch (error) {
    if (signal?.aborted) throw gone();
    if (error instanceof AppError) throw error;
    // A crashed or closed browser: say so plainly; the next render launches a new one.
    throw new AppError(
      "internal",
      `The PDF could not be printed: ${error instanceof Error ? error.message.split("\n")[0] : "unknown error"}`,
    );
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await context?.close().catch(() => undefined);
    release();
  }
}
