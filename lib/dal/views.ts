/** Page-facing reads of saved views (lib/dal/guard.ts: the principal is checked first). */
import "server-only";
import { requirePrincipal } from "@/lib/auth/current";
import { isAppError } from "@/lib/errors";
import * as queries from "@/lib/views/queries";
import { guarded } from "./guard";

/** The view, or null when there is none with this id. */
export const findView = guarded(async ({ viewId }: { viewId: string }) => {
  const { user } = await requirePrincipal();
  try {
    return await queries.getView({ viewId, user });
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") return null;
    throw error;
  }
});
