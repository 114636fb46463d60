/**
 * The Slack message of an alert: Block Kit JSON for an incoming webhook (a `header` with the title, a
 * `section` with status, pipeline, rule and run as fields, the metric against its baseline, the top changes
 * since the last good run, a `context` naming that run) plus the plain `text` fallback that notifications and
 * clients without Block Kit show. Pure, so `slack.test.ts` validates it against the documented shape
 * (`slack-block-kit.ts`).
 *
 * Every user- or AWS-supplied string (pipeline, run and rule names, metric names, change lines) goes into
 * mrkdwn escaped — `&`, `<`, `>` are Slack's control characters (`<!channel>`, `<url|label>`), so a run named
 * `<!channel>` cannot ping a channel or forge a link —, and every text is cut to Block Kit's limits.
 */
import { metricLabel } from "@/lib/metrics/direction";
import { RUN_STATUS, type RunStatus } from "@/lib/status";
import type { AlertPayload } from "./schema";

/** Block Kit's limits (docs.slack.dev/reference/block-kit): header text, section text and fields, blocks. */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  contextElements: 10,
  blocks: 50,
  /** Slack truncates a message's top-level `text` beyond 40,000 characters; it advises staying under 4,000. */
  fallbackText: 4000,
} as const;

const MAX_CHANGES = 8;
const MAX_CHANGE_CHARS = 300;

/** Escapes Slack's three control characters in text that is not meant to format anything. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Cuts text to `max` characters (by code point, so no half surrogate pair), ending with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** A link in mrkdwn: the URL is ours (built from NEXTAUTH_URL), the label is escaped; `|` and `>` end it. */
function link(url: string, label: string): string {
  const safeUrl = url.replace(/[<>|\s]/g, encodeURIComponent);
  return `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, "¦")}>`;
}

const mrkdwn = (text: string, max: number = SLACK_LIMITS.sectionText) => ({
  type: "mrkdwn" as const,
  text: truncate(text, max),
});

function statusWords(status: string): string {
  const look = RUN_STATUS[status as RunStatus];
  return look ? `${look.glyph} ${look.word}` : escapeMrkdwn(status);
}

const number = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, ""));

export type SlackBlock = Record<string, unknown> & { type: string };
export type SlackMessage = { text: string; blocks: SlackBlock[] };

export function slackMessage(alert: { title: string; payload: AlertPayload }): SlackMessage {
  const { payload } = alert;
  const fields = [
    payload.run ? `*Status*\n${statusWords(payload.run.status)}` : null,
    payload.pipeline ? `*Pipeline*\n${escapeMrkdwn(payload.pipeline.name)}` : null,
    payload.run ? `*Run*\n${link(payload.run.url, payload.run.name)}` : null,
    payload.model ? `*Model*\n${link(payload.model.url, `${payload.model.name} v${payload.model.version}`)}` : null,
    `*Rule*\n${escapeMrkdwn(payload.rule.name)}`,
  ]
    .filter((f): f is string => f !== null)
    .slice(0, SLACK_LIMITS.fields)
    .map((f) => mrkdwn(f, SLACK_LIMITS.fieldText));
  const blocks: SlackBlock[] = [
    { type: "header", text: { type: "plain_text", text: truncate(alert.title, SLACK_LIMITS.headerText) } },
    { type: "section", fields },
  ];
  const { metric } = payload;
  if (metric) {
    const sign = metric.changePercent > 0 ? "+" : "";
    blocks.push({
      type: "section",
      text: mrkdwn(
        `*${escapeMrkdwn(metricLabel(metric.name))}* ${number(metric.value)} vs baseline ${number(metric.baseline)} ` +
          `(${sign}${metric.changePercent} %, threshold ${metric.thresholdPercent} %)`,
      ),
    });
  }
  if (payload.changes.length > 0) {
    // As many changes as fit (each cut to a line's worth), then how many more there are.
    const heading = "*Changes since the last good run*";
    const lines: string[] = [];
    let length = heading.length;
    for (const change of payload.changes.slice(0, MAX_CHANGES)) {
      const line = `• ${truncate(escapeMrkdwn(change), MAX_CHANGE_CHARS)}`;
      if (length + line.length + 1 > SLACK_LIMITS.sectionText - 40) break;
      lines.push(line);
      length += line.length + 1;
    }
    const more = payload.changes.length - lines.length;
    if (more > 0) lines.push(`_and ${more} more_`);
    blocks.push({ type: "section", text: mrkdwn(`${heading}\n${lines.join("\n")}`) });
  }
  if (payload.baseline)
    blocks.push({
      type: "context",
      elements: [mrkdwn(`Last good run: ${link(payload.baseline.url, payload.baseline.name)}`)],
    });
  const fallback = [
    alert.title,
    payload.run ? payload.run.url : null,
    payload.model ? payload.model.url : null,
    metric ? `${metricLabel(metric.name)} ${number(metric.value)} vs baseline ${number(metric.baseline)}` : null,
    ...payload.changes.slice(0, 3),
  ]
    .filter((l): l is string => l !== null)
    .map(escapeMrkdwn)
    .join("\n");
  return { text: truncate(fallback, SLACK_LIMITS.fallbackText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}
