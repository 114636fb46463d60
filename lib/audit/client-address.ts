/**
 * The client's address, taken from X-Forwarded-For only through TRUST_PROXY_HOPS trusted proxies
 * (default 0: the TCP peer itself, whatever the request claims). scripts/next-server.mjs records the
 * peer (`x-stepwise-peer`) and the X-Forwarded-For the request arrived with (`x-stepwise-forwarded-for`),
 * overwriting client-sent values of both. The chain is the forwarded addresses followed by the peer;
 * each trusted proxy appended the address it saw, so the client is `hops` entries left of the peer.
 * Without the server's headers (`next dev`, tests calling handlers directly) the last X-Forwarded-For
 * entry stands in for the peer (Next.js sets it to the peer when a request has none).
 */

export function trustProxyHops(env: Record<string, string | undefined> = process.env): number {
  const raw = env.TRUST_PROXY_HOPS;
  if (raw === undefined || raw === "") return 0;
  const hops = Number(raw);
  if (!Number.isInteger(hops) || hops < 0 || hops > 10) {
    throw new Error(`TRUST_PROXY_HOPS must be a whole number from 0 to 10, got "${raw}"`);
  }
  return hops;
}

const list = (value: string | null | undefined) =>
  (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);

/** The client address for these request headers, or null when nothing names one. At most 100 characters. */
export function clientAddress(headers: Headers, hops: number = trustProxyHops()): string | null {
  const peer = headers.get("x-stepwise-peer");
  const chain =
    peer !== null
      ? [...list(headers.get("x-stepwise-forwarded-for")), ...(peer ? [peer] : [])]
      : list(headers.get("x-forwarded-for"));
  if (chain.length === 0) return null;
  const address = chain[Math.max(0, chain.length - 1 - hops)] ?? null;
  return address ? address.slice(0, 100) : null;
}
