/** /api/v1/alerts/**, /api/v1/inbox and /api/v1/pipelines/{id}/watch for the OpenAPI document. */
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { jsonBody as body, jsonResponse as json, readErrors, writeErrors as writeErrorsOf } from "@/lib/openapi";
import {
  Channel,
  ChannelIdParams,
  CreatedChannel,
  Delivery,
  Inbox,
  InboxReadBody,
  PipelineIdParams,
  Rule,
  RuleIdParams,
  RulesQuery,
  WatchBody,
} from "./api-schema";
import { ChannelBody, RuleBody } from "./schema";

export function registerAlertPaths(registry: OpenAPIRegistry, security: Record<string, string[]>[]): void {
  const errors = readErrors();
  const writeErrors = writeErrorsOf({
    403: "Read-only token, or not a member of the owning team (admins only for global).",
  });
  const tags = ["alerts"];
  registry.registerPath({
    method: "get",
    path: "/api/v1/alerts/rules",
    summary: "Alert rules (global, per team, per pipeline)",
    tags,
    security,
    request: { query: RulesQuery },
    responses: { 200: json(z.object({ rules: z.array(Rule) }), "The rules."), ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/api/v1/alerts/rules",
    summary: "Create a rule (owning-team members; admins for global rules; audited)",
    tags,
    security,
    request: { body: body(RuleBody) },
    responses: { 200: json(Rule, "The rule."), ...writeErrors },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/alerts/rules/{ruleId}",
    summary: "One rule",
    tags,
    security,
    request: { params: RuleIdParams },
    responses: { 200: json(Rule, "The rule."), ...errors },
  });
  registry.registerPath({
    method: "put",
    path: "/api/v1/alerts/rules/{ruleId}",
    summary: "Change a rule: settings, channels, quiet hours, mute until, enabled (audited)",
    tags,
    security,
    request: { params: RuleIdParams, body: body(RuleBody) },
    responses: { 200: json(Rule, "The rule."), ...writeErrors },
  });
  registry.registerPath({
    method: "delete",
    path: "/api/v1/alerts/rules/{ruleId}",
    summary: "Delete a rule (audited)",
    tags,
    security,
    request: { params: RuleIdParams },
    responses: { 200: json(z.object({ deleted: z.boolean() }), "Deleted."), ...writeErrors },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/alerts/channels",
    summary: "Alert channels (targets and secrets are never shown)",
    tags,
    security,
    request: { query: RulesQuery.pick({ team: true }) },
    responses: { 200: json(z.object({ channels: z.array(Channel) }), "The channels."), ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/api/v1/alerts/channels",
    summary: "Create a channel: webhook, Slack incoming webhook or e-mail (audited; the secret is shown once)",
    tags,
    security,
    request: { body: body(ChannelBody) },
    responses: { 200: json(CreatedChannel, "The channel and, for webhooks, its signing secret."), ...writeErrors },
  });
  registry.registerPath({
    method: "delete",
    path: "/api/v1/alerts/channels/{channelId}",
    summary: "Delete a channel (audited)",
    tags,
    security,
    request: { params: ChannelIdParams },
    responses: { 200: json(z.object({ deleted: z.boolean() }), "Deleted."), ...writeErrors },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/alerts/channels/{channelId}/deliveries",
    summary: "The channel's delivery log with the last responses (owning-team members and admins)",
    tags,
    security,
    request: { params: ChannelIdParams },
    responses: { 200: json(z.object({ deliveries: z.array(Delivery) }), "Newest first."), ...writeErrors },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/inbox",
    summary: "The caller's in-app inbox and unread count",
    tags,
    security,
    responses: { 200: json(Inbox, "The inbox."), 401: errors[401] },
  });
  registry.registerPath({
    method: "post",
    path: "/api/v1/inbox/read",
    summary: "Mark the caller's inbox entries read",
    tags,
    security,
    request: { body: body(InboxReadBody) },
    responses: { 200: json(z.object({ marked: z.number().int() }), "How many were marked."), ...writeErrors },
  });
  registry.registerPath({
    method: "put",
    path: "/api/v1/pipelines/{pipelineId}/watch",
    summary: "Watch a pipeline: its alerts go to the caller's own inbox",
    tags,
    security,
    request: { params: PipelineIdParams, body: body(WatchBody) },
    responses: { 200: json(WatchBody, "Whether the caller watches it."), ...writeErrors },
  });
}
