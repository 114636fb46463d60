/**
 * oidc-provider prints notices about its development defaults straight to the console when it loads
 * and when it first issues tokens ("Unsupported runtime" on Node 20, the in-memory adapter, default
 * token lifetimes). The local demo IdP is development-only by design (lib/auth/local-idp.ts), so those
 * notices go to the log at debug level instead of a newcomer's first screen. Imported by local-idp.ts
 * before oidc-provider itself, so it is in place when the library loads; other console output is
 * untouched.
 */
import { logger } from "@/lib/log";

/** The terminal colour codes oidc-provider wraps its notices in on a TTY. */
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[\\d;]*m`, "g");

for (const level of ["warn", "info"] as const) {
  // biome-ignore lint/suspicious/noConsole: wraps the library's own console output, nothing else.
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    const first = typeof args[0] === "string" ? args[0].replace(COLOUR, "") : null;
    if (first?.startsWith("oidc-provider ")) {
      logger.debug({ notice: first }, "oidc-provider notice (local demo IdP)");
      return;
    }
    original(...args);
  };
}
