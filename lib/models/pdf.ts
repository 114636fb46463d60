/**
 * "Download PDF": headless Chromium (playwright-core, the driver @playwright/test ships) renders the
 * card's print view as the signed-in user (their session cookie is forwarded, so the print page runs
 * the same login and permission checks as in a browser) and prints it with Chromium's header/footer
 * templates for page numbers.
 *
 * One browser per app instance is started on first use and closed after a minute without work; at
 * most two cards render at once (Chromium is heavy and the app shares its cores). The page is loaded
 * from the app's own loopback address, JavaScript off (the print view is complete server-rendered
 * HTML), and every request to another origin is refused.
 */
import "server-only";
import type { Browser } from "playwright-core";
import { AppError } from "@/lib/errors";

const IDLE_CLOSE_MS = 60_000;
const MAX_PARALLEL = 2;
const RENDER_TIMEOUT_MS = 30_000;

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

type State = { browser: Promise<Browser> | null; idle: ReturnType<typeof setTimeout> | null; active: number };
const holder = globalThis as typeof globalThis & { __stepwisePdf?: State; __stepwisePdfQueue?: (() => void)[] };
const state: State = holder.__stepwisePdf ?? { browser: null, idle: null, active: 0 };
holder.__stepwisePdf = state;
const queue: (() => void)[] = holder.__stepwisePdfQueue ?? [];
holder.__stepwisePdfQueue = queue;

/** Where this instance's server answers itself (the print page is rendered from there). */
export function internalOrigin(): string {
  if (process.env.STEPWISE_INTERNAL_URL) return process.env.STEPWISE_INTERNAL_URL.replace(/\/+$/, "");
  return `http://127.0.0.1:${process.env.PORT ?? 3000}`;
}

async function launch(): Promise<Browser> {
  let chromium: typeof import("playwright-core").chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch {
    throw new AppError("internal", "PDF rendering is not available on this server (playwright-core is not installed).");
  }
  const browser = await chromium.launch({
    executablePath: process.env.PLAYWRIGHT_CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    headless: true,
  });
  browser.on("disconnected", () => {
    state.browser = null;
  });
  return browser;
}

async function acquire(): Promise<Browser> {
  if (state.active >= MAX_PARALLEL) await new Promise<void>((resolve) => queue.push(resolve));
  state.active++;
  if (state.idle) clearTimeout(state.idle);
  state.idle = null;
  state.browser ??= launch().catch((error: unknown) => {
    state.browser = null;
    throw error;
  });
  try {
    return await state.browser;
  } catch (error) {
    release();
    throw error;
  }
}

function release(): void {
  state.active--;
  queue.shift()?.();
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
}: {
  /** Path of the print view, e.g. /models/3/versions/12/print */
  path: string;
  /** "name=value" of the caller's session cookie. */
  cookie: string;
  format: "A4" | "Letter";
  running: string;
  footer: string;
}): Promise<Buffer> {
  const browser = await acquire();
  const origin = internalOrigin();
  const context = await browser.newContext({
    javaScriptEnabled: false,
    colorScheme: "light",
    extraHTTPHeaders: { cookie },
  });
  try {
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
  } finally {
    await context.close().catch(() => undefined);
    release();
  }
}
