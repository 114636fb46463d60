import { getInbox } from "@/lib/alerts/manage";
import { withApi } from "@/lib/api/handler";

export const dynamic = "force-dynamic";

/** The caller's own inbox: newest entries and the unread count. */
export const GET = withApi({ scope: "read" }, async ({ principal }) => getInbox(principal.user.id));
