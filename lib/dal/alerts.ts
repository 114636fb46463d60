/** Page-facing reads of the alerts (lib/dal/guard.ts: the principal is checked first). */
import "server-only";
import { getAlertSettings as read } from "@/lib/alerts/queries";
import { guardedFor } from "./guard";

export type { AlertSettings } from "@/lib/alerts/queries";

export const getAlertSettings = guardedFor((principal) => read(principal));
