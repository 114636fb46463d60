"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { withAction } from "@/lib/auth/action";
import { assertAdmin } from "@/lib/auth/permissions";
import { auditVia } from "@/lib/auth/principal";
import { revokeSession } from "@/lib/auth/session";

const revoke = withAction(
  { schema: z.object({ sessionId: z.string().min(1).max(64) }), action: "session.revoke", audit: false },
  async ({ input, principal }) => {
    assertAdmin(principal);
    await revokeSession({
      sessionId: input.sessionId,
      actor: principal.user,
      via: auditVia(principal),
      reason: "admin",
    });
  },
);

/** An admin ends someone's session; their next request (page, API, stream) is refused. */
export async function revokeSessionAction(form: FormData): Promise<void> {
  await revoke(form);
  revalidatePath("/admin/audit");
}
