/**
 * The server compresses its answers itself (scripts/next-server.mjs; Next.js's own gzip is off): brotli for
 * clients that accept it, gzip for those that accept only gzip, nothing for the others. Each
 * decodes to the same bytes; a streamed page decodes whole; a live stream is never compressed (it says
 * no-transform, and its events must not wait in a compressor). Raw node:http requests, so nothing decodes for us.
 */
import http from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { expect, test } from "@playwright/test";
import { sessionCookie } from "./support/login";

type Raw = { status: number; encoding: string | undefined; vary: string | undefined; body: Buffer };

function rawGet(origin: string, path: string, headers: Record<string, string>, firstChunkOnly = false): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const request = http.get(new URL(path, origin), { headers }, (response) => {
      const chunks: Buffer[] = [];
      const done = () =>
        resolve({
          status: response.statusCode ?? 0,
          encoding: response.headers["content-encoding"],
          vary: response.headers.vary,
          body: Buffer.concat(chunks),
        });
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        if (firstChunkOnly) {
          request.destroy();
          done();
        }
      });
      response.on("end", done);
      response.on("error", reject);
    });
    request.on("error", (error) => {
      if (!firstChunkOnly) reject(error);
    });
  });
}

const decode = (raw: Raw) =>
  raw.encoding === "br" ? brotliDecompressSync(raw.body) : raw.encoding === "gzip" ? gunzipSync(raw.body) : raw.body;

test("answers are brotli for browsers, gzip for gzip-only clients, plain otherwise, and decode to the same bytes", async ({
  page,
  baseURL,
}) => {
  await page.goto("/pipelines");
  const cookie = await sessionCookie(page);
  const origin = baseURL ?? "http://localhost:3100";
  const auth = { cookie: `${cookie.name}=${cookie.value}` };
  const path = "/api/v1/openapi.json";

  const plain = await rawGet(origin, path, { ...auth, "accept-encoding": "identity" });
  expect(plain.status).toBe(200);
  expect(plain.encoding).toBeUndefined();
  expect(plain.body.length).toBeGreaterThan(10_000);
  const cases: [string, string | undefined][] = [
    ["gzip, deflate, br, zstd", "br"], // Chromium's header
    ["gzip, deflate", "gzip"], // Node's fetch
    ["gzip;q=0, br;q=0", undefined],
    ["", undefined],
    // Hostile or nonsensical headers: still a 200 the client can read, never an error.
    ["identity;q=0, *;q=0", undefined],
    ["br;q=abc, gzip;q=-1, ,,;;", undefined],
    [`${"x-unknown, ".repeat(500)}gzip`, "gzip"],
  ];
  for (const [accept, expected] of cases) {
    const raw = await rawGet(origin, path, { ...auth, "accept-encoding": accept });
    expect(raw.status, accept).toBe(200);
    expect(raw.encoding, accept).toBe(expected);
    expect(raw.vary ?? "", accept).toMatch(/accept-encoding/i);
    expect(decode(raw).equals(plain.body), accept).toBe(true);
    if (expected) expect(raw.body.length, accept).toBeLessThan(plain.body.length / 3);
  }

  // A streamed page decodes whole, and keeps its security headers.
  const html = await rawGet(origin, "/pipelines", { ...auth, "accept-encoding": "br" });
  expect(html.status).toBe(200);
  expect(html.encoding).toBe("br");
  expect(decode(html).toString("utf8")).toMatch(/<\/html>\s*$/);
});

test("a live stream is not compressed, whatever the client accepts", async ({ page, baseURL }) => {
  await page.goto("/pipelines");
  const cookie = await sessionCookie(page);
  const raw = await rawGet(
    baseURL ?? "http://localhost:3100",
    "/api/live?topics=pipelines",
    { cookie: `${cookie.name}=${cookie.value}`, "accept-encoding": "gzip, deflate, br" },
    true,
  );
  expect(raw.status).toBe(200);
  expect(raw.encoding).toBeUndefined();
  // Its first frame arrives as text at once.
  expect(raw.body.toString("utf8")).toMatch(/^(:|event:|retry:|id:|data:)/m);
});
