/**
 * The production HTTP server: Next.js through its custom-server API, so that the address of the TCP
 * peer is known. Next.js only keeps X-Forwarded-For as the client sent it (and sets it to the peer only
 * when absent), which lets any client name its own address. Here every request gets
 *   x-stepwise-peer             the socket's remote address,
 *   x-stepwise-forwarded-for    the X-Forwarded-For it arrived with ("" without one),
 * overwriting whatever a client sent under these names; lib/audit/client-address.ts then takes the client
 * address through TRUST_PROXY_HOPS trusted proxies. Plain JavaScript: it runs before any build.
 */
import http from "node:http";
import next from "next";

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME ?? "0.0.0.0";
const app = next({ dev: false, hostname, port, dir: process.cwd() });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((request, response) => {
  const peer = (request.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const forwarded = request.headers["x-forwarded-for"];
  request.headers["x-stepwise-peer"] = peer;
  request.headers["x-stepwise-forwarded-for"] = Array.isArray(forwarded) ? forwarded.join(", ") : (forwarded ?? "");
  handle(request, response).catch((error) => {
    console.error("[next-server] request failed:", error);
    if (!response.headersSent) response.writeHead(500).end();
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
