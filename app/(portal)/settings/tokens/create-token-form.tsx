"use client";

import { useActionState, useId } from "react";
import form from "@/components/ui/form.module.css";
import ui from "@/components/ui/ui.module.css";
import { type CreateTokenState, createTokenAction } from "./actions";

const EXPIRY_CHOICES = [
  { days: 7, label: "in 7 days" },
  { days: 30, label: "in 30 days" },
  { days: 90, label: "in 90 days" },
  { days: 180, label: "in 180 days" },
  { days: 365, label: "in 1 year" },
];

/**
 * Creates a token and shows it once; it cannot be displayed again after leaving the page. Every token
 * expires: the choices stop at the server's maximum (API_TOKEN_MAX_DAYS).
 */
export function CreateTokenForm({ defaultDays, maxDays }: { defaultDays: number; maxDays: number }) {
  const choices = EXPIRY_CHOICES.filter((c) => c.days <= maxDays);
  if (!choices.some((c) => c.days === defaultDays))
    choices.push({ days: defaultDays, label: `in ${defaultDays} days` });
  choices.sort((a, b) => a.days - b.days);
  const [state, action, pending] = useActionState<CreateTokenState, FormData>(createTokenAction, null);
  const id = useId();
  return (
    <>
      <form action={action} className={form.form} aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>New token</h2>
        <div className={form.fields}>
          <div className={form.field}>
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              id={`${id}-name`}
              name="name"
              required
              maxLength={100}
              placeholder="e.g. metrics notebook"
              autoComplete="off"
            />
          </div>
          <div className={form.field}>
            <label htmlFor={`${id}-expiry`}>Expires</label>
            <select id={`${id}-expiry`} name="expiresInDays" defaultValue={String(defaultDays)}>
              {choices.map((c) => (
                <option key={c.days} value={String(c.days)}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
          <div className={`${form.field} ${form.check}`}>
            <input id={`${id}-write`} type="checkbox" name="canWrite" />
            <label htmlFor={`${id}-write`}>Allow writes</label>
          </div>
          <button type="submit" className={`${ui.button} ${ui.primary}`} disabled={pending}>
            {pending ? "Creating…" : "Create token"}
          </button>
        </div>
        <p className={form.hint}>
          Tokens are read-only unless “Allow writes” is ticked. They act as you, with your team permissions.
        </p>
      </form>
      <div aria-live="polite">
        {state && !state.ok ? (
          <p className={form.error} role="alert">
            {state.error.message}
          </p>
        ) : null}
        {state?.ok ? (
          <section className={form.created} aria-labelledby={`${id}-created`}>
            <h2 id={`${id}-created`}>Token “{state.data.name}” created</h2>
            <p>Copy it now: it is shown only once and Stepwise keeps only a hash of it.</p>
            <label htmlFor={`${id}-value`} className="visually-hidden">
              New API token
            </label>
            <input
              id={`${id}-value`}
              className={form.secret}
              readOnly
              value={state.data.token}
              data-testid="new-token"
              onFocus={(event) => event.currentTarget.select()}
            />
            <p className={form.hint}>
              Use it as <code>Authorization: Bearer {state.data.token.slice(0, 10)}…</code>
              {state.data.canWrite ? " — this token can write." : " — read-only."}
            </p>
          </section>
        ) : null}
      </div>
    </>
  );
}
