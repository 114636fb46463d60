import { ChannelIdParams } from "@/lib/alerts/api-schema";
import { listDeliveries } from "@/lib/alerts/manage";
import { withApi } from "@/lib/api/handler";

export const dynamic = "force-dynamic";

/** The channel's delivery log (last responses), for whoever may change the channel. */
export const GET = withApi({ scope: "read", params: ChannelIdParams }, async ({ params, principal }) => ({
  deliveries: await listDeliveries(principal, params.channelId),
}));
