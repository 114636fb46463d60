"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionResult, withAction } from "@/lib/auth/action";
import { auditVia } from "@/lib/auth/principal";
import { createApiToken, revokeApiToken } from "@/lib/auth/tokens";

const createForm = z.object({
  name: z.string().trim().min(1, "Give the token a name.").max(100, "Keep the name under 100 characters."),
  canWrite: z.literal("on").optional(),
  expiresInDays: z
    .string()
    .optional()
    .transform((v) => (v ? Number(v) : null))
    .pipe(z.number().int().min(1, "Expiry is at least 1 day.").nullable()),
});

const createToken = withAction(
  { schema: createForm, action: "token.create", audit: false },
  async ({ input, principal }) => {
    const created = await createApiToken({
      userId: principal.user.id,
      input: { name: input.name, canWrite: input.canWrite === "on", expiresInDays: input.expiresInDays },
      actor: principal.user,
      via: auditVia(principal),
    });
    return { token: created.token, name: input.name, canWrite: created.canWrite };
  },
);

export type CreateTokenState = ActionResult<{ token: string; name: string; canWrite: boolean }> | null;

export async function createTokenAction(_previous: CreateTokenState, form: FormData): Promise<CreateTokenState> {
  const result = await createToken(form);
  if (result.ok) revalidatePath("/settings/tokens");
  return result;
}

const revokeToken = withAction(
  { schema: z.object({ tokenId: z.string().min(1).max(64) }), action: "token.revoke", audit: false },
  async ({ input, principal }) => revokeApiToken({ tokenId: input.tokenId, principal }),
);

export async function revokeTokenAction(form: FormData): Promise<void> {
  await revokeToken(form);
  revalidatePath("/settings/tokens");
}
