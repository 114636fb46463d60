import { InboxReadBody } from "@/lib/alerts/api-schema";
import { markInboxRead } from "@/lib/alerts/manage";
import { withApi } from "@/lib/api/handler";

export const dynamic = "force-dynamic";

/** Marks the caller's own entries read (only theirs: other users' ids change nothing). */
export const POST = withApi(
  { scope: "write", body: InboxReadBody, action: "inbox.read" },
  async ({ body, principal }) => ({
    marked: await markInboxRead(principal.user.id, body.all ? "all" : (body.ids ?? [])),
  }),
);
