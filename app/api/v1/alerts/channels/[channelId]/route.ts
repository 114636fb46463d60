import { ChannelIdParams } from "@/lib/alerts/api-schema";
import { deleteChannel } from "@/lib/alerts/manage";
import { withApi } from "@/lib/api/handler";

export const dynamic = "force-dynamic";

export const DELETE = withApi(
  { scope: "write", params: ChannelIdParams, action: "alert_channel.delete" },
  async ({ params, principal, auditTarget }) => {
    auditTarget({ type: "alert_channel", id: String(params.channelId) });
    await deleteChannel(principal, params.channelId);
    return { deleted: true };
  },
);
