/**
 * The production HTTP server: Next.js through its custom-server API, so that the address of the TCP
 * peer is known. Next.js only keeps X-Forwarded-For as the client sent it (and sets it to the peer only
 * when absent), which lets any client name its own address. Here every request gets
 *   x-stepwise-peer             the socket's remote address,
 *   x-stepwise-forwarded-for    the X-Forwarded-For it arrived with ("" without one),
 * overwriting whatever a client sent under these names; lib/audit/client-address.ts then takes the client
 * address through TRUST_PROXY_HOPS trusted proxies. Plain JavaScript: it runs before any build.
 *
 * Compression is done here, not by Next.js (next.config.js `compress: false`), which gzips every answer at level
 * 6: brotli at quality 4 for clients that accept it (browsers; smaller than gzip 6 at half its CPU), else gzip at
 * level 1 (a third of level 6's CPU, ~8 % larger). On 2 cores, gzip 6 of the metric graph's 660 KiB answer was
 * ~20 ms of its ~90. Streamed pages and live streams are flushed chunk by chunk as before (Next.js calls
 * `res.flush()`, which the middleware provides).
 */
import http from "node:http";
import compression from "compression";
import next from "next";

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME ?? "0.0.0.0";
const app = next({ dev: false, hostname, port, dir: process.cwd() });
const handle = app.getRequestHandler();
const compress = compression({ level: 1 });
await app.prepare();

const server = http.createServer((request, response) => {
  const peer = (request.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const forwarded = request.headers["x-forwarded-for"];
  request.headers["x-stepwise-peer"] = peer;
  request.headers["x-stepwise-forwarded-for"] = Array.isArray(forwarded) ? forwarded.join(", ") : (forwarded ?? "");
  compress(request, response, () => {
    handle(request, response).catch((error) => {
      console.error("[next-server] request failed:", error);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
});
server.listen(port, hostname, () => console.log(`[next-server] ready on http://${hostname}:${port}`));

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  // Live streams never end on their own: close every connection now.
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
