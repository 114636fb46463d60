/**
 * The Slack and e-mail channels end to end below the browser: a failed run evaluated as the sync does it,
 * its deliveries sent by deliverAlert (the graphile-worker task's body) to a local HTTP receiver standing in
 * for Slack's incoming webhook and to an in-process SMTP server (smtp-server), and what they received.
 */
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "@/lib/auth/principal";
import { createTestUser } from "@/lib/auth/testing";
import { pool, sql } from "@/lib/db";
import { type SeededPipeline, type SeededRun, seedPipeline, seedRun } from "@/lib/runs/testing";
import { deliverAlert } from "./deliver";
import { evaluateAlertsInTransaction } from "./index";
import { createChannel, createRule, listDeliveries } from "./manage";
import { SlackWebhookMessageSchema } from "./slack-block-kit";
import { ruleBody, webhookReceiver } from "./testing";

process.env.STEPWISE_SECRET_KEY ??= "alerts-test-key";
// The receivers are local: allow private webhook targets (refused by default, lib/alerts/outbound.ts).
process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS = "1";

const T0 = Date.UTC(2032, 2, 3, 8);
const at = (m: number) => new Date(T0 + m * 60_000);

type Mail = { from: string; to: string[]; raw: string };

function smtpReceiver() {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (c: Buffer) => {
        raw += c.toString("utf8");
      });
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  return {
    mails,
    start: () =>
      new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.server.address() as AddressInfo).port)),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function evaluate(runIds: number[]): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const ids = await evaluateAlertsInTransaction(client, runIds, { error: () => undefined });
    // This file sends its deliveries itself (deliverAlert): no queued job for another file's workers to take.
    await client.query(
      "SELECT graphile_worker.remove_job('alert-delivery:' || d.id) FROM alert_delivery d WHERE d.alert_id = ANY($1::int[])",
      [ids],
    );
    await client.query("COMMIT");
    return ids;
  } finally {
    client.release();
  }
}

describe("Slack and e-mail channels", () => {
  const slack = webhookReceiver({ path: "/services/T0/B0/secretpath", answer: "ok" });
  const smtp = smtpReceiver();
  let slackUrl: string;
  let pipeline: SeededPipeline;
  let member: Principal;
  let slackChannel: number;
  let emailChannel: number;
  let run: SeededRun;
  const savedSmtp = process.env.SMTP_URL;

  beforeAll(async () => {
    slackUrl = await slack.start();
    const port = await smtp.start();
    process.env.SMTP_URL = `smtp://127.0.0.1:${port}`;
    process.env.SMTP_FROM = "Stepwise alerts <alerts@stepwise.test>";
    // A pipeline name with Slack and HTML control characters in it.
    pipeline = await seedPipeline();
    await sql("UPDATE pipeline SET name = $2 WHERE id = $1", [pipeline.pipelineId, `${pipeline.name} <b>&co</b>`]);
    const m = await createTestUser({ teams: [{ slug: pipeline.teamSlug }] });
    member = {
      user: { ...m.user, teams: [{ id: pipeline.teamId, slug: pipeline.teamSlug, name: "t", role: "MEMBER" }] },
      via: "session",
      credentialId: "test",
      canWrite: true,
    };
    const s = await createChannel(member, { name: "slack", kind: "slack", team: pipeline.teamSlug, target: slackUrl });
    expect(s.secret).toBeNull();
    // The label never shows the webhook's path, which is its credential.
    expect(s.channel.label).toBe(new URL(slackUrl).origin);
    slackChannel = s.channel.id;
    const e = await createChannel(member, {
      name: "mail",
      kind: "email",
      team: pipeline.teamSlug,
      target: "oncall@example.com, lead@example.com",
    });
    emailChannel = e.channel.id;
    await createRule(
      member,
      ruleBody({
        name: "failed <runs>",
        kind: "run_failed",
        pipelineId: pipeline.pipelineId,
        inApp: false,
        channelIds: [slackChannel, emailChannel],
      }),
    );
    for (let i = 0; i < 3; i++) await seedRun(pipeline, { startedAt: at(i * 60), stoppedAt: at(i * 60 + 20) });
    run = await seedRun(pipeline, { status: "FAILED", startedAt: at(300), stoppedAt: at(330) });
  });

  afterAll(async () => {
    await slack.stop();
    await smtp.stop();
    if (savedSmtp === undefined) delete process.env.SMTP_URL;
    else process.env.SMTP_URL = savedSmtp;
  });

  it("posts a valid Block Kit message to the Slack webhook and mails both addresses, once each", async () => {
    const [alertId] = await evaluate([run.id]);
    expect(alertId).toBeDefined();
    const deliveries = await sql<{ id: number; channel_id: number }>(
      "SELECT id, channel_id FROM alert_delivery WHERE alert_id = $1 ORDER BY channel_id",
      [alertId],
    );
    expect(deliveries.map((d) => d.channel_id)).toEqual([slackChannel, emailChannel]);
    for (const d of deliveries) expect(await deliverAlert({ deliveryId: d.id })).toBe("sent");
    // A repeated job sends nothing again.
    for (const d of deliveries) expect(await deliverAlert({ deliveryId: d.id })).toBe("already-sent");

    expect(slack.received).toHaveLength(1);
    const [post] = slack.received;
    expect(post?.headers["content-type"]).toBe("application/json");
    const message = JSON.parse(post?.body ?? "{}");
    expect(SlackWebhookMessageSchema.safeParse(message).error).toBeUndefined();
    // The header is plain_text (shown as is); everything mrkdwn is escaped.
    const text = JSON.stringify(message.blocks.slice(1));
    expect(text).toContain("✗ Failed");
    expect(text).toContain(`/runs/${run.publicId}|${run.name}>`);
    expect(text).toContain(`${pipeline.name} &lt;b&gt;&amp;co&lt;/b&gt;`);
    expect(text).not.toContain("<b>");
    expect((await listDeliveries(member, slackChannel))[0]).toMatchObject({ status: "sent", lastStatus: 200 });

    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.from).toBe("alerts@stepwise.test");
    expect(mail?.to.sort()).toEqual(["lead@example.com", "oncall@example.com"]);
    const parsed = await simpleParser(mail?.raw ?? "");
    expect(parsed.subject).toBe(`[Stepwise] ${pipeline.name} <b>&co</b>: run ${run.name} failed`);
    expect(parsed.text).toContain(`/runs/${run.publicId}`);
    expect(parsed.text).toContain(`Pipeline: ${pipeline.name} <b>&co</b>`);
    const html = String(parsed.html);
    expect(html).toContain(`${pipeline.name} &lt;b&gt;&amp;co&lt;/b&gt;`);
    expect(html).not.toContain("<b>&co");
    expect(html).toMatch(new RegExp(`<a href="[^"]*/runs/${run.publicId}">${run.name}</a>`));
    expect(html).toContain("failed &lt;runs&gt;");
    expect(parsed.headers.get("x-stepwise-idempotency-key")).toBeTruthy();
    const log = await listDeliveries(member, emailChannel);
    expect(log[0]).toMatchObject({ status: "sent", lastStatus: 250, attempts: 1 });
  });

  it("refuses an e-mail channel without SMTP_URL (it could never deliver)", async () => {
    const url = process.env.SMTP_URL;
    delete process.env.SMTP_URL;
    try {
      await expect(
        createChannel(member, { name: "m", kind: "email", team: pipeline.teamSlug, target: "a@example.com" }),
      ).rejects.toMatchObject({ code: "bad_request", message: expect.stringMatching(/SMTP_URL/) });
    } finally {
      process.env.SMTP_URL = url;
    }
    await expect(
      createChannel(member, { name: "m", kind: "email", team: pipeline.teamSlug, target: "not an address" }),
    ).rejects.toMatchObject({ code: "bad_request" });
  });

  it("refuses webhook and Slack targets on private addresses unless STEPWISE_ALLOW_PRIVATE_WEBHOOKS=1", async () => {
    delete process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS;
    try {
      for (const target of [slackUrl, "http://169.254.169.254/latest/meta-data", "http://10.0.0.8/hook"])
        await expect(
          createChannel(member, { name: "s", kind: "slack", team: pipeline.teamSlug, target }),
        ).rejects.toMatchObject({ code: "bad_request", message: expect.stringMatching(/public address/) });
      // A channel created while they were allowed is refused at delivery, with the reason in the log.
      const next = await seedRun(pipeline, { status: "FAILED", startedAt: at(500), stoppedAt: at(510) });
      const [alertId] = await evaluate([next.id]);
      const [delivery] = await sql<{ id: number }>(
        "SELECT id FROM alert_delivery WHERE alert_id = $1 AND channel_id = $2",
        [alertId, slackChannel],
      );
      const before = slack.received.length;
      await expect(deliverAlert({ deliveryId: delivery?.id ?? 0 })).rejects.toThrow(/refused/);
      expect(slack.received.length).toBe(before);
      expect((await listDeliveries(member, slackChannel))[0]?.lastError).toMatch(/refused: 127\.0\.0\.1/);
    } finally {
      process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS = "1";
    }
  });

  it("records an SMTP failure in the delivery log and throws for a retry", async () => {
    const url = process.env.SMTP_URL;
    // A port nobody listens on: the SMTP server is gone.
    const closed = smtpReceiver();
    const port = await closed.start();
    await closed.stop();
    process.env.SMTP_URL = `smtp://127.0.0.1:${port}`;
    try {
      const next = await seedRun(pipeline, { status: "FAILED", startedAt: at(400), stoppedAt: at(410) });
      const [alertId] = await evaluate([next.id]);
      const [delivery] = await sql<{ id: number }>(
        "SELECT id FROM alert_delivery WHERE alert_id = $1 AND channel_id = $2",
        [alertId, emailChannel],
      );
      await expect(deliverAlert({ deliveryId: delivery?.id ?? 0 })).rejects.toThrow(/failed/);
      const [entry] = await listDeliveries(member, emailChannel);
      expect(entry).toMatchObject({ status: "pending", attempts: 1, lastStatus: null });
      expect(entry?.lastError).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      process.env.SMTP_URL = url;
    }
  });
});
