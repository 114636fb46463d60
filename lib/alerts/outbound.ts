/**
 * Where alert deliveries may go (SSRF): a webhook or Slack URL is whatever a team member typed, and the
 * delivery worker runs inside the company network, next to the database and the cloud's metadata service. So
 * targets that are — or resolve to — loopback, private (RFC 1918, ULA), link-local (169.254.0.0/16, where
 * the instance metadata lives; fe80::/10), CGNAT, multicast or otherwise reserved addresses are refused, at
 * creation (400) and again at every delivery, unless STEPWISE_ALLOW_PRIVATE_WEBHOOKS=1 (tests; an
 * installation whose receivers are internal). At delivery the check sits in the connection's own DNS lookup,
 * so the address checked is the address connected to (no rebinding between check and connect), and
 * redirects are never followed.
 */
import "server-only";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP } from "node:net";

export const allowPrivateTargets = () => process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS === "1";

const reserved = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  reserved.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  reserved.addSubnet(net, prefix, "ipv6");

/** Whether an IP address is loopback, private, link-local or otherwise not a public Internet host. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return reserved.check(address, "ipv4");
  if (family !== 6) return true; // not an address at all: never connect to it
  const lower = address.toLowerCase();
  // IPv4-mapped / -compatible IPv6 (::ffff:127.0.0.1, ::ffff:7f00:1): judge the IPv4 address inside.
  const mapped = /^(?:0{0,4}:){0,5}(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
  if (mapped) return isPrivateAddress(mapped);
  const hex = /^(?:0{0,4}:){0,5}ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const n = (Number.parseInt(hex[1] ?? "0", 16) << 16) | Number.parseInt(hex[2] ?? "0", 16);
    return isPrivateAddress([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join("."));
  }
  return reserved.check(lower, "ipv6");
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "");

/** Why a target is refused (null: allowed). Resolves host names; an unresolvable one is refused too. */
export async function refusedTarget(url: URL): Promise<string | null> {
  if (allowPrivateTargets()) return null;
  const host = hostOf(url);
  if (isIP(host)) return isPrivateAddress(host) ? `${host} is not a public address` : null;
  let addresses: LookupAddress[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    return `${host} does not resolve`;
  }
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  return bad ? `${host} resolves to ${bad.address}, not a public address` : null;
}

/** dns.lookup that refuses private answers: the address it hands the socket is the one it checked. */
const checkedLookup: typeof dnsLookup = ((hostname: string, options: unknown, callback: unknown) => {
  const cb = (typeof options === "function" ? options : callback) as (
    error: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void;
  const opts = (typeof options === "object" && options !== null ? options : {}) as { all?: boolean };
  dnsLookup(hostname, { ...opts, all: true, verbatim: true }, (error, addresses) => {
    if (error) return cb(error, "");
    const bad = allowPrivateTargets() ? undefined : addresses.find((a) => isPrivateAddress(a.address));
    if (bad)
      return cb(Object.assign(new Error(`refused: ${hostname} resolves to ${bad.address}`), { code: "EREFUSED" }), "");
    const first = addresses[0];
    if (!first) return cb(Object.assign(new Error(`${hostname} does not resolve`), { code: "ENOTFOUND" }), "");
    if (opts.all) cb(null, addresses);
    else cb(null, first.address, first.family);
  });
}) as typeof dnsLookup;

/** POSTs `body` to `url` (no redirects, a timeout); the status and up to `keep` characters of the answer. */
export async function postChecked(
  url: string,
  headers: Record<string, string>,
  body: string,
  { timeoutMs, keep }: { timeoutMs: number; keep: number },
): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`refused: ${target.protocol} URL`);
  const host = hostOf(target);
  // An IP literal never reaches the lookup: check it here.
  if (isIP(host) && !allowPrivateTargets() && isPrivateAddress(host))
    throw new Error(`refused: ${host} is not a public address`);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: checkedLookup,
        timeout: timeoutMs,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (text.length < keep) text += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text: text.slice(0, keep) }));
        response.on("error", reject);
      },
    );
    request.on("timeout", () =>
      request.destroy(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { name: "TimeoutError" })),
    );
    request.on("error", reject);
    request.end(body);
  });
}
