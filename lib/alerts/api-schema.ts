/** Parameters and answers of /api/v1/alerts/** and /api/v1/inbox (no server imports). */
import { z } from "zod";
import { ChannelKind, RuleKind, RuleParams } from "./schema";

const positiveId = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, "a positive integer")
  .transform(Number)
  .refine((n) => n <= 2_147_483_647, "too large");
export const RuleIdParams = z.object({ ruleId: positiveId });
export const ChannelIdParams = z.object({ channelId: positiveId });
export const PipelineIdParams = z.object({ pipelineId: positiveId });

export const RulesQuery = z.object({
  team: z.string().min(1).max(100).optional(),
  pipelineId: z.coerce.number().int().positive().optional(),
});

export const Rule = z
  .object({
    id: z.number().int(),
    name: z.string(),
    kind: RuleKind,
    team: z.string().nullable(),
    pipelineId: z.number().int().nullable(),
    params: RuleParams,
    inApp: z.boolean(),
    quietStart: z.number().int().nullable(),
    quietEnd: z.number().int().nullable(),
    mutedUntil: z.string().nullable(),
    enabled: z.boolean(),
    channelIds: z.array(z.number().int()),
    createdAt: z.string(),
  })
  .meta({ id: "AlertRule" });

export const Channel = z
  .object({
    id: z.number().int(),
    name: z.string(),
    kind: ChannelKind,
    team: z.string().nullable(),
    label: z.string().meta({ description: "Where alerts go (scheme and host, or the addresses); never the secret." }),
    createdAt: z.string(),
  })
  .meta({ id: "AlertChannel" });

export const CreatedChannel = z.object({
  channel: Channel,
  secret: z
    .string()
    .nullable()
    .meta({ description: "Webhooks: the signing secret of X-Stepwise-Signature. Shown once, never again." }),
});

export const Delivery = z.object({
  id: z.number().int(),
  alertId: z.number().int(),
  title: z.string(),
  status: z.enum(["pending", "sent", "failed"]),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastResponse: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

export const Inbox = z
  .object({
    unread: z.number().int().meta({ description: "Unread entries (counted up to 1,000)." }),
    items: z.array(
      z.object({
        id: z.number().int(),
        alertId: z.number().int(),
        title: z.string(),
        kind: RuleKind,
        runUrl: z.string().nullable(),
        runPublicId: z.string().nullable(),
        path: z.string().nullable().meta({ description: "The page the alert is about: its run or model card." }),
        changes: z.array(z.string()),
        createdAt: z.string(),
        read: z.boolean(),
      }),
    ),
  })
  .meta({ id: "Inbox" });
export type Inbox = z.infer<typeof Inbox>;

export const InboxReadBody = z
  .object({ ids: z.array(z.number().int().positive()).max(500).optional(), all: z.literal(true).optional() })
  .strict()
  .refine((b) => (b.ids ? !b.all : b.all), { message: "send either ids or all: true" });

export const WatchBody = z.object({ watching: z.boolean() }).strict();
