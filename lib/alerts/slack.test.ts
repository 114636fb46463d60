import { describe, expect, it } from "vitest";
import type { AlertPayload } from "./schema";
import { escapeMrkdwn, SLACK_LIMITS, slackMessage } from "./slack";
import { SlackWebhookMessageSchema } from "./slack-block-kit";

const payload = (over: Partial<AlertPayload> = {}): AlertPayload => ({
  rule: { id: 1, name: "auc drops", kind: "metric_regression" },
  pipeline: { id: 7, name: "fit-size-nightly" },
  run: { publicId: "r-abc", name: "nightly-0412", status: "FAILED", url: "https://stepwise.example/runs/r-abc" },
  baseline: { publicId: "r-good", name: "nightly-0411", url: "https://stepwise.example/runs/r-good" },
  metric: { name: "validation:auc", value: 0.6, baseline: 0.8, changePercent: -25, thresholdPercent: 3 },
  changes: ["hyperparameter Train eta: 0.1 → 0.5", "data Train train: s3://d/v1 → s3://d/v2"],
  ...over,
});

const allText = (message: unknown) => JSON.stringify(message);

describe("the Slack message of an alert", () => {
  it("is a valid Block Kit message with status, pipeline, run link, metric + baseline and the top changes", () => {
    const message = slackMessage({ title: "fit-size-nightly: validation:auc regressed", payload: payload() });
    expect(SlackWebhookMessageSchema.safeParse(message).error).toBeUndefined();
    const [header, facts, metric, changes, context] = message.blocks;
    expect(header).toEqual({
      type: "header",
      text: { type: "plain_text", text: "fit-size-nightly: validation:auc regressed" },
    });
    expect(allText(facts)).toContain("✗ Failed");
    expect(allText(facts)).toContain("fit-size-nightly");
    expect(allText(facts)).toContain("<https://stepwise.example/runs/r-abc|nightly-0412>");
    expect(allText(metric)).toContain("*validation:auc* 0.6 vs baseline 0.8 (-25 %, threshold 3 %)");
    expect(allText(changes)).toContain("• hyperparameter Train eta: 0.1 → 0.5");
    expect(allText(context)).toContain("<https://stepwise.example/runs/r-good|nightly-0411>");
    // The fallback a notification shows: title, run URL, metric.
    expect(message.text.split("\n").slice(0, 3)).toEqual([
      "fit-size-nightly: validation:auc regressed",
      "https://stepwise.example/runs/r-abc",
      "validation:auc 0.6 vs baseline 0.8",
    ]);
  });

  it("escapes Slack's control characters in names and changes, so nothing pings or forges a link", () => {
    expect(escapeMrkdwn("a & <b> <!channel>")).toBe("a &amp; &lt;b&gt; &lt;!channel&gt;");
    const message = slackMessage({
      title: "x",
      payload: payload({
        pipeline: { id: 1, name: "<!channel> & co" },
        run: { publicId: "r", name: "<https://evil.example|click>", status: "FAILED", url: "https://s.example/runs/r" },
        rule: { id: 1, name: "<@U123>", kind: "run_failed" },
        changes: ["input <!here> changed"],
      }),
    });
    const text = allText(message);
    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<!here>");
    expect(text).not.toContain("<@U123>");
    expect(text).not.toContain("<https://evil.example");
    expect(text).toContain("&lt;!channel&gt; &amp; co");
    // The run's own link stays a link, with the escaped name as its label.
    expect(text).toContain("<https://s.example/runs/r|&lt;https://evil.example¦click&gt;>");
    expect(SlackWebhookMessageSchema.safeParse(message).success).toBe(true);
  });

  it("keeps within Block Kit's limits however long the names and however many changes", () => {
    const long = "n".repeat(5000);
    const message = slackMessage({
      title: `T${"é".repeat(400)}`,
      payload: payload({
        pipeline: { id: 1, name: long },
        run: { publicId: "r", name: long, status: "TIMED_OUT", url: "https://s.example/runs/r" },
        metric: null,
        baseline: null,
        changes: Array.from({ length: 200 }, (_, i) => `change ${i} ${"x".repeat(400)}`),
      }),
    });
    const parsed = SlackWebhookMessageSchema.safeParse(message);
    expect(parsed.error).toBeUndefined();
    const header = message.blocks[0] as unknown as { text: { text: string } };
    expect(Array.from(header.text.text)).toHaveLength(SLACK_LIMITS.headerText);
    expect(header.text.text.endsWith("…")).toBe(true);
    expect(allText(message)).toContain("◷ Timed out");
    expect(allText(message)).toContain("_and 192 more_");
    expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });

  it("the schema refuses what Slack refuses (so the test above can fail)", () => {
    const ok = { text: "t", blocks: [{ type: "header", text: { type: "plain_text", text: "h" } }] };
    expect(SlackWebhookMessageSchema.safeParse(ok).success).toBe(true);
    const bad = [
      { text: "t", blocks: [{ type: "header", text: { type: "mrkdwn", text: "h" } }] },
      { text: "t", blocks: [{ type: "header", text: { type: "plain_text", text: "h".repeat(151) } }] },
      { text: "t", blocks: [{ type: "section", text: { type: "mrkdwn", text: "s".repeat(3001) } }] },
      { text: "t", blocks: [{ type: "section" }] },
      { text: "t", blocks: [{ type: "section", fields: Array(11).fill({ type: "mrkdwn", text: "f" }) }] },
      { text: "t", blocks: [{ type: "section", text: { type: "markdown", text: "s" } }] },
      { text: "t", blocks: [{ type: "section", text: { type: "mrkdwn", text: "" } }] },
      { text: "t", blocks: [{ type: "banner", text: "s" }] },
      { text: "t", blocks: Array(51).fill({ type: "divider" }) },
      { blocks: [{ type: "divider" }] },
    ];
    for (const message of bad)
      expect(SlackWebhookMessageSchema.safeParse(message).success, allText(message)).toBe(false);
  });
});
