/**
 * Zod schemas of the alerts: rule kinds and their settings, channels, the payload every channel renders,
 * the API bodies and answers. Free of server imports (route handlers, the OpenAPI document, forms).
 */
import { z } from "zod";

/**
 * Rule kinds. Decided when the sync writes a run's end or metrics: run_failed, metric_regression,
 * step_regression. Decided once a minute (lib/alerts/periodic.ts): run_stuck, card_review_waiting.
 */
export const RULE_KINDS = [
  "run_failed",
  "metric_regression",
  "step_regression",
  "run_stuck",
  "card_review_waiting",
] as const;
export const RuleKind = z.enum(RULE_KINDS);
export type RuleKind = z.infer<typeof RuleKind>;

export const CHANNEL_KINDS = ["webhook", "slack", "email"] as const;
export const ChannelKind = z.enum(CHANNEL_KINDS);
export type ChannelKind = z.infer<typeof ChannelKind>;

/** Kind-specific settings; unknown keys are refused. */
export const RuleParams = z
  .object({
    statuses: z
      .array(z.enum(["FAILED", "TIMED_OUT", "ABORTED"]))
      .min(1)
      .optional()
      .meta({ description: "run_failed: which end states (default all three)." }),
    factor: z.number().min(1).max(100).optional().meta({ description: "run_stuck: k in k × the pipeline's p95." }),
    metric: z.string().min(1).max(200).optional().meta({ description: "metric_regression: one metric (default any)." }),
    step: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .meta({ description: "step_regression: one step, by key or state name (default any)." }),
    thresholdPercent: z.number().min(0.1).max(1000).optional().meta({
      description:
        "Regressions: % worse than the trailing baseline (metric_regression: default 3, the graph's; step_regression: default 20).",
    }),
    days: z.number().int().min(1).max(365).optional().meta({ description: "card_review_waiting: N days." }),
  })
  .strict();
export type RuleParams = z.infer<typeof RuleParams>;

export const AlertPayload = z
  .object({
    rule: z.object({ id: z.number().int(), name: z.string(), kind: RuleKind }),
    pipeline: z.object({ id: z.number().int(), name: z.string() }).nullable(),
    run: z.object({ publicId: z.string(), name: z.string(), status: z.string(), url: z.string() }).nullable(),
    baseline: z.object({ publicId: z.string(), name: z.string(), url: z.string() }).nullable(),
    metric: z
      .object({
        name: z.string(),
        value: z.number(),
        baseline: z.number(),
        changePercent: z.number(),
        thresholdPercent: z.number(),
      })
      .nullable(),
    model: z
      .object({ id: z.number().int(), name: z.string(), version: z.number().int(), url: z.string() })
      .nullable()
      .optional()
      .meta({ description: "card_review_waiting: the model version whose card waits for review." }),
    changes: z.array(z.string()).meta({ description: "The top changes since the last good run, in words." }),
  })
  .meta({ id: "AlertPayload" });
export type AlertPayload = z.infer<typeof AlertPayload>;

const minuteOfDay = z.number().int().min(0).max(1439);

export const RuleBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    kind: RuleKind,
    team: z.string().min(1).max(100).nullable().optional().meta({ description: "Team slug; null = global (admins)." }),
    pipelineId: z.number().int().positive().nullable().optional(),
    params: RuleParams.default({}),
    inApp: z.boolean().default(true),
    quietStart: minuteOfDay.nullable().optional().meta({ description: "Quiet hours start, minutes after 00:00 UTC." }),
    quietEnd: minuteOfDay.nullable().optional(),
    mutedUntil: z.iso.datetime().nullable().optional(),
    enabled: z.boolean().default(true),
    channelIds: z.array(z.number().int().positive()).max(20).default([]),
  })
  .strict();
export type RuleBody = z.infer<typeof RuleBody>;

export const ChannelBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    kind: ChannelKind,
    team: z.string().min(1).max(100).nullable().optional(),
    target: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .meta({ description: "Webhook or Slack incoming-webhook URL, or comma-separated e-mail addresses." }),
  })
  .strict();
export type ChannelBody = z.infer<typeof ChannelBody>;
