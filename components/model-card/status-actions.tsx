"use client";
/**
 * The status workflow buttons the signed-in user may use on this card (the server checks again).
 * Each is a small form posting to the setCardStatus server action; errors are announced.
 */
import { useActionState } from "react";
import ui from "@/components/ui/ui.module.css";
import type { ActionResult } from "@/lib/auth/action";
import type { CardStatus } from "@/lib/models/schema";
import { ActionError } from "./action-error";
import styles from "./model-page.module.css";

type State = ActionResult<{ revision: number; status: string }> | null;

export type StatusButton = { to: CardStatus; label: string; primary: boolean };

export function StatusActions({
  modelId,
  version,
  baseRevision,
  buttons,
  action,
}: {
  modelId: number;
  version: number;
  baseRevision: number;
  buttons: StatusButton[];
  action: (previous: State, form: FormData) => Promise<State>;
}) {
  const [state, formAction, pending] = useActionState<State, FormData>(action, null);
  if (buttons.length === 0) return null;
  return (
    <div className={styles.statusActions}>
      {buttons.map((b) => (
        <form key={b.to} action={formAction}>
          <input type="hidden" name="modelId" value={modelId} />
          <input type="hidden" name="version" value={version} />
          <input type="hidden" name="baseRevision" value={baseRevision} />
          <input type="hidden" name="status" value={b.to} />
          <button type="submit" className={b.primary ? `${ui.button} ${ui.primary}` : ui.button} disabled={pending}>
            {b.label}
          </button>
        </form>
      ))}
      <ActionError state={state} className={styles.actionMessage} />
    </div>
  );
}
