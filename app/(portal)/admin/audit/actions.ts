"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { setSetting } from "@/lib/admin/settings";
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

const setFourEyes = withAction(
  { schema: z.object({ fourEyes: z.enum(["on", "off"]) }), action: "setting.update", audit: false },
  async ({ input, principal }) =>
    setSetting({ key: "model_card.four_eyes", value: input.fourEyes === "on", principal }),
);

/** An admin turns the model-card four-eyes rule on or off (audited by setSetting). */
export async function setFourEyesAction(form: FormData): Promise<void> {
  await setFourEyes(form);
  revalidatePath("/admin/audit");
}
