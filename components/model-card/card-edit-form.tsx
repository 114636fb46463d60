"use client";
/**
 * The narrative editor: one field per narrative section, grouped in card order, posted to the
 * saveCardAction server action (validated with CardEditForm on the server). On success the action
 * redirects to the history with the diff of the new revision; errors (403, 409 stale revision, invalid
 * thresholds) are shown here and the typed text stays in the form.
 */
import Link from "next/link";
import { useActionState, useId } from "react";
import ui from "@/components/ui/ui.module.css";
import type { ActionResult } from "@/lib/auth/action";
import {
  type CardNarrative,
  formatThresholds,
  NARRATIVE_FIELDS,
  type NarrativeKey,
  RISK_RATINGS,
} from "@/lib/models/schema";
import { type CardSectionId, sectionTitle } from "@/lib/models/sections";
import { ActionError } from "./action-error";
import styles from "./model-page.module.css";

type State = ActionResult<{ revision: number }> | null;

const GROUPS: { section: CardSectionId | "identity"; title: string }[] = [
  { section: "identity", title: "Model details" },
  { section: "overview", title: sectionTitle("overview") },
  { section: "intended-use", title: sectionTitle("intended-use") },
  { section: "business", title: sectionTitle("business") },
  { section: "risk", title: sectionTitle("risk") },
  { section: "factors", title: sectionTitle("factors") },
  { section: "training", title: sectionTitle("training") },
  { section: "evaluation", title: sectionTitle("evaluation") },
  { section: "quantitative", title: sectionTitle("quantitative") },
  { section: "limitations", title: sectionTitle("limitations") },
  { section: "ethics", title: sectionTitle("ethics") },
  { section: "caveats", title: sectionTitle("caveats") },
];

export function CardEditForm({
  modelId,
  version,
  baseRevision,
  narrative,
  action,
  cancelHref,
}: {
  modelId: number;
  version: number;
  baseRevision: number;
  narrative: CardNarrative;
  action: (previous: State, form: FormData) => Promise<State>;
  cancelHref: string;
}) {
  const [state, formAction, pending] = useActionState<State, FormData>(action, null);
  const id = useId();
  const field = (key: NarrativeKey, label: string, multiline: boolean) => (
    <label key={key} className={ui.field} htmlFor={`${id}-${key}`}>
      {label}
      {multiline ? (
        <textarea id={`${id}-${key}`} name={key} defaultValue={narrative[key] ?? ""} rows={4} maxLength={20_000} />
      ) : (
        <input id={`${id}-${key}`} name={key} defaultValue={narrative[key] ?? ""} maxLength={20_000} />
      )}
    </label>
  );

  return (
    <form action={formAction} className={styles.form} aria-describedby={`${id}-help`}>
      <input type="hidden" name="modelId" value={modelId} />
      <input type="hidden" name="version" value={version} />
      <input type="hidden" name="baseRevision" value={baseRevision} />
      <p id={`${id}-help`} className={styles.hint}>
        Fields accept Markdown (**bold**, lists, links). HTML is shown as text, never run. Facts such as metrics,
        datasets, hyperparameters, cost and lineage come from the pipeline and cannot be edited here. Saving creates a
        new revision; a card that was pending review or approved goes back to draft.
      </p>
      {GROUPS.map((group) => {
        const fields = NARRATIVE_FIELDS.filter((f) => f.section === group.section);
        return (
          <fieldset key={group.section}>
            <legend>{group.title}</legend>
            {group.section === "risk" ? (
              <label className={ui.field} htmlFor={`${id}-risk`}>
                Risk rating
                <select id={`${id}-risk`} name="riskRating" defaultValue={narrative.riskRating ?? ""}>
                  <option value="">Not rated</option>
                  {RISK_RATINGS.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            {fields.map((f) => field(f.key, f.label, f.multiline))}
            {group.section === "evaluation" ? (
              <label className={ui.field} htmlFor={`${id}-thresholds`}>
                Metric thresholds (one per line, e.g. “validation:pr_auc &gt;= 0.45”; they replace the pipeline’s
                quality gate for that metric)
                <textarea
                  id={`${id}-thresholds`}
                  name="thresholds"
                  defaultValue={formatThresholds(narrative.metricThresholds)}
                  rows={2}
                />
              </label>
            ) : null}
          </fieldset>
        );
      })}
      <label className={ui.field} htmlFor={`${id}-note`}>
        Change note (shown in the history)
        <input id={`${id}-note`} name="note" maxLength={500} placeholder="What changed and why" />
      </label>
      <div className={styles.formActions}>
        <button type="submit" className={`${ui.button} ${ui.primary}`} disabled={pending}>
          {pending ? "Saving…" : "Save new revision"}
        </button>
        <Link href={cancelHref} className={ui.button}>
          Cancel
        </Link>
        <ActionError state={state} />
      </div>
    </form>
  );
}
