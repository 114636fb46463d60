/**
 * Test helpers of the alerts domain (Vitest): a local HTTP receiver standing in for a webhook or Slack endpoint,
 * and rule bodies with the API's defaults.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { z } from "zod";
import { RuleBody } from "./schema";

/** A rule as the API parses it: the schema's defaults (no params, in-app, enabled, no channels) under `rule`. */
export const ruleBody = (rule: z.input<typeof RuleBody>): RuleBody => RuleBody.parse(rule);

export type ReceivedPost = { headers: IncomingHttpHeaders; body: string };

/**
 * Records every request it gets; answers the statuses queued in `statuses` first, then 200, with `answer` as
 * the body (Slack's incoming webhooks answer "ok"). `start()` resolves with its URL at `path` on a free
 * loopback port.
 */
export function webhookReceiver({ path = "/hook", answer = "ok from receiver" } = {}) {
  const received: ReceivedPost[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200, { "content-type": "text/plain" });
      res.end(answer);
    });
  });
  return {
    received,
    statuses,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, "127.0.0.1", () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`),
        ),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
