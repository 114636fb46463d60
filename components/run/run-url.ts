/**
 * The run page's selection in the shareable URL beyond the step: `&attempt=<n>` (1-based, of the selected
 * step) and `&mapRun=<label or position>`. Pure, so a copied link's values are parsed the same everywhere;
 * a value that names nothing is ignored, never an error.
 */

/** The label a Map Run's ARN carries (`…:mapRun:<machine>/<label>:<id>`), the readable name for the URL. */
export function mapRunLabel(mapRunArn: string): string {
  const m = /:mapRun:[^/]+\/(.+):[^:]+$/.exec(mapRunArn);
  return m?.[1] ?? mapRunArn;
}

/** The URL token of a Map Run: its label when no other Map Run of the run has it, else its 1-based position. */
export function mapRunToken(mapRuns: readonly { mapRunArn: string }[], mapRunArn: string): string {
  const label = mapRunLabel(mapRunArn);
  const same = mapRuns.filter((m) => mapRunLabel(m.mapRunArn) === label);
  if (same.length <= 1 && !/^\d+$/.test(label)) return label;
  return String(mapRuns.findIndex((m) => m.mapRunArn === mapRunArn) + 1);
}

/** The Map Run a URL token names, or undefined for anything else (unknown label, out of range, garbage). */
export function findMapRun<T extends { mapRunArn: string }>(
  mapRuns: readonly T[],
  token: string | null,
): T | undefined {
  if (!token) return undefined;
  if (/^\d{1,6}$/.test(token)) {
    const index = Number(token) - 1;
    return index >= 0 ? mapRuns[index] : undefined;
  }
  const named = mapRuns.filter((m) => mapRunLabel(m.mapRunArn) === token);
  return named.length === 1 ? named[0] : undefined;
}

/** `&attempt=` as a positive integer no larger than the step's attempts, else null (ignored, never an error). */
export function parseAttempt(value: string | null, attempts: number): number | null {
  if (!value || !/^\d{1,4}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 && n <= attempts ? n : null;
}
