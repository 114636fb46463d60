/**
 * The documented shape of a Slack incoming-webhook message with Block Kit blocks, as zod — written from
 * Slack's reference (docs.slack.dev/reference/block-kit: blocks, composition objects; "Sending messages using
 * incoming webhooks"), for the subset of blocks Stepwise sends or might: header, section, context, divider,
 * actions with link buttons. Unknown block types and unknown keys are refused, so a message that Slack would
 * answer with `invalid_blocks` fails the unit test instead.
 *
 * Limits: a message has at most 50 blocks; header text ≤ 150 characters (plain_text only); section text
 * ≤ 3000, its fields ≤ 10 of ≤ 2000 each, text or fields required; context ≤ 10 elements; a button's text
 * ≤ 75 and URL ≤ 3000; block_id ≤ 255. Text objects are `plain_text` (optional `emoji`) or `mrkdwn`
 * (optional `verbatim`), with non-empty text.
 */
import { z } from "zod";

const chars = (max: number) =>
  z
    .string()
    .min(1)
    .refine((s) => Array.from(s).length <= max, `at most ${max} characters`);

const plainText = (max = 3000) =>
  z.object({ type: z.literal("plain_text"), text: chars(max), emoji: z.boolean().optional() }).strict();
const mrkdwnText = (max = 3000) =>
  z.object({ type: z.literal("mrkdwn"), text: chars(max), verbatim: z.boolean().optional() }).strict();
const textObject = (max = 3000) => z.discriminatedUnion("type", [plainText(max), mrkdwnText(max)]);

const blockId = z.string().min(1).max(255).optional();

const image = z
  .object({ type: z.literal("image"), image_url: z.url().max(3000), alt_text: z.string().min(1).max(2000) })
  .strict();

const button = z
  .object({
    type: z.literal("button"),
    text: plainText(75),
    action_id: z.string().min(1).max(255).optional(),
    url: z.url().max(3000).optional(),
    value: z.string().max(2000).optional(),
    style: z.enum(["primary", "danger"]).optional(),
  })
  .strict();

const header = z.object({ type: z.literal("header"), text: plainText(150), block_id: blockId }).strict();

const section = z
  .object({
    type: z.literal("section"),
    text: textObject(3000).optional(),
    fields: z.array(textObject(2000)).min(1).max(10).optional(),
    accessory: z.union([button, image]).optional(),
    block_id: blockId,
  })
  .strict()
  .refine((s) => s.text !== undefined || s.fields !== undefined, "a section needs text or fields");

const context = z
  .object({
    type: z.literal("context"),
    elements: z
      .array(z.union([textObject(3000), image]))
      .min(1)
      .max(10),
    block_id: blockId,
  })
  .strict();

const divider = z.object({ type: z.literal("divider"), block_id: blockId }).strict();

const actions = z
  .object({ type: z.literal("actions"), elements: z.array(button).min(1).max(25), block_id: blockId })
  .strict();

export const SlackBlockSchema = z.union([header, section, context, divider, actions]);

/** An incoming-webhook body: blocks plus the `text` fallback (required with blocks: notifications show it). */
export const SlackWebhookMessageSchema = z
  .object({
    text: z.string().min(1).max(40_000),
    blocks: z.array(SlackBlockSchema).min(1).max(50),
  })
  .strict();
