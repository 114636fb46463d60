/**
 * The headless Chromium every part of Stepwise drives (the model card's PDF, the Playwright suite, the
 * benchmark): Debian's package (`apt-get install chromium`, ENVIRONMENT.md) unless PLAYWRIGHT_CHROMIUM_PATH
 * names another, with the switches that keep it quiet and small on a shared build machine.
 */
export const chromiumPath = (): string => process.env.PLAYWRIGHT_CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
];
