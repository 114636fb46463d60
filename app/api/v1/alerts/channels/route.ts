import { RulesQuery } from "@/lib/alerts/api-schema";
import { createChannel, listChannels } from "@/lib/alerts/manage";
import { ChannelBody } from "@/lib/alerts/schema";
import { withApi } from "@/lib/api/handler";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", query: RulesQuery.pick({ team: true }) }, async ({ query }) => ({
  channels: await listChannels(query),
}));

/** Answers the webhook signing secret once; the target and the secret are stored encrypted. Audited (no secret). */
export const POST = withApi(
  { scope: "write", body: ChannelBody, action: "alert_channel.create" },
  async ({ body, principal, auditTarget }) => {
    auditTarget({ type: "alert_channel", id: body.name, details: { kind: body.kind, team: body.team ?? null } });
    const created = await createChannel(principal, body);
    auditTarget({
      type: "alert_channel",
      id: String(created.channel.id),
      details: { kind: body.kind, team: created.channel.team, label: created.channel.label },
    });
    return created;
  },
);
