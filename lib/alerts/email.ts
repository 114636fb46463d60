/**
 * E-mail alerts over SMTP with nodemailer: `SMTP_URL` (smtp://user:pass@host:port, smtps:// for implicit
 * TLS; STARTTLS is used when the server offers it) and `SMTP_FROM`. One message per delivery with a plain-text
 * and an HTML part — every user- or AWS-supplied string HTML-escaped —, the run URL, and a Message-ID made
 * from the delivery's idempotency key, so a retried delivery that did reach the server is recognisable as
 * the same message by the receiving side.
 */
import "server-only";
import nodemailer from "nodemailer";
import { metricLabel } from "@/lib/metrics/direction";
import type { AlertPayload } from "./schema";

const TIMEOUT_MS = 10_000;

/** Whether e-mail channels can deliver at all: a channel that never could is refused at creation. */
export const emailConfigured = () => Boolean(process.env.SMTP_URL);

function fromAddress(): string {
  if (process.env.SMTP_FROM) return process.env.SMTP_FROM;
  let host = "localhost";
  try {
    host = new URL(process.env.NEXTAUTH_URL ?? "http://localhost").hostname;
  } catch {}
  return `Stepwise <stepwise@${host}>`;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const number = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, ""));

/** Subject, text and HTML of an alert e-mail (pure; `email.test.ts` reads them as a receiver would). */
export function alertEmail(alert: { title: string; payload: AlertPayload }): {
  subject: string;
  text: string;
  html: string;
} {
  const { payload } = alert;
  // A subject is one line: a name with a newline must not start a header of its own.
  const subject = `[Stepwise] ${alert.title}`.replace(/[\r\n]+/g, " ").slice(0, 200);
  const facts: [string, string, string | null][] = [];
  if (payload.pipeline) facts.push(["Pipeline", payload.pipeline.name, null]);
  if (payload.run) {
    facts.push(["Run", payload.run.name, payload.run.url]);
    facts.push(["Status", payload.run.status.toLowerCase().replace("_", " "), null]);
  }
  if (payload.model) facts.push(["Model", `${payload.model.name} v${payload.model.version}`, payload.model.url]);
  facts.push(["Rule", payload.rule.name, null]);
  const metric = payload.metric
    ? `${metricLabel(payload.metric.name)} ${number(payload.metric.value)} vs baseline ${number(payload.metric.baseline)} ` +
      `(${payload.metric.changePercent > 0 ? "+" : ""}${payload.metric.changePercent} %, threshold ${payload.metric.thresholdPercent} %)`
    : null;
  const changes = payload.changes.slice(0, 10);

  const text = [
    alert.title,
    "",
    ...facts.map(([k, v, url]) => `${k}: ${v}${url ? ` — ${url}` : ""}`),
    ...(metric ? ["", metric] : []),
    ...(changes.length ? ["", "Changes since the last good run:", ...changes.map((c) => `- ${c}`)] : []),
    ...(payload.baseline ? ["", `Last good run: ${payload.baseline.name} — ${payload.baseline.url}`] : []),
  ].join("\n");

  const e = escapeHtml;
  const html = [
    `<!doctype html><html><body style="font-family:system-ui,sans-serif">`,
    `<h1 style="font-size:18px">${e(alert.title)}</h1>`,
    `<table>${facts
      .map(
        ([k, v, url]) =>
          `<tr><th style="text-align:left;padding-right:12px">${e(k)}</th><td>${
            url ? `<a href="${e(url)}">${e(v)}</a>` : e(v)
          }</td></tr>`,
      )
      .join("")}</table>`,
    metric ? `<p>${e(metric)}</p>` : "",
    changes.length
      ? `<h2 style="font-size:15px">Changes since the last good run</h2><ul>${changes.map((c) => `<li>${e(c)}</li>`).join("")}</ul>`
      : "",
    payload.baseline
      ? `<p>Last good run: <a href="${e(payload.baseline.url)}">${e(payload.baseline.name)}</a></p>`
      : "",
    "</body></html>",
  ].join("");
  return { subject, text, html };
}

/** Sends one alert e-mail; `accepted` is false when the server refused every recipient. Throws on errors. */
export async function sendAlertEmail({
  to,
  alert,
}: {
  to: string;
  alert: { title: string; payload: AlertPayload; idempotencyKey: string };
}): Promise<{ accepted: boolean; response: string }> {
  const url = process.env.SMTP_URL;
  if (!url) throw new Error("SMTP_URL is not set: e-mail alerts cannot be sent");
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    const message = alertEmail(alert);
    const info = await transport.sendMail({
      from: fromAddress(),
      to,
      ...message,
      messageId: `<${alert.idempotencyKey}@stepwise.alerts>`,
      headers: { "X-Stepwise-Idempotency-Key": alert.idempotencyKey },
    });
    const accepted = Array.isArray(info.accepted) && info.accepted.length > 0;
    return { accepted, response: String(info.response ?? "") };
  } finally {
    transport.close();
  }
}
