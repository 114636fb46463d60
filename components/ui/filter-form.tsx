"use client";
/**
 * The filter bar above a table: labelled fields, Apply and (when something is filtered) Clear. With
 * `action` it is a GET form that navigates on the client (next/form); with `onSubmit` the caller turns
 * the fields into a URL itself. Either way the filters live in the URL, so a link shares them.
 * Give it a `key` from the current filters: fields are uncontrolled and must show the URL's values.
 */
import Form from "next/form";
import Link from "next/link";
import { type FormEvent, type ReactNode, useId } from "react";
import { RUN_STATUS, RUN_STATUSES } from "@/lib/status";
import ui from "./ui.module.css";

export function FilterForm({
  label,
  action,
  onSubmit,
  clearHref,
  children,
}: {
  /** Names the form ("Filter runs"). */
  label: string;
  action?: string;
  onSubmit?: (event: FormEvent<HTMLFormElement>) => void;
  /** Where Clear goes; no Clear button when null (nothing is filtered). */
  clearHref: string | null;
  children: ReactNode;
}) {
  const buttons = (
    <>
      <button type="submit" className={`${ui.button} ${ui.primary}`}>
        Apply
      </button>
      {clearHref ? (
        <Link className={ui.button} href={clearHref} scroll={false}>
          Clear
        </Link>
      ) : null}
    </>
  );
  return action ? (
    <Form action={action} className={ui.toolbar} aria-label={label}>
      {children}
      {buttons}
    </Form>
  ) : (
    <form className={ui.toolbar} onSubmit={onSubmit} aria-label={label}>
      {children}
      {buttons}
    </form>
  );
}

/** A labelled filter control: the label names only the control ("Team", not "Team All teams …"). */
export function Field({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className={ui.field}>
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}

/** A text-like field (search, text, date). */
export function TextField({
  label,
  name,
  value,
  type = "text",
  placeholder,
  describedBy,
  invalid = false,
  wide = false,
}: {
  label: string;
  name: string;
  value: string;
  type?: "text" | "search" | "date";
  placeholder?: string;
  /** Id of a hint or error that explains the field. */
  describedBy?: string;
  invalid?: boolean;
  /** Takes the room a query needs (the runs search). */
  wide?: boolean;
}) {
  return (
    <Field label={label}>
      {(id) => (
        <input
          id={id}
          type={type}
          name={name}
          aria-invalid={invalid || undefined}
          defaultValue={value}
          placeholder={placeholder}
          aria-describedby={describedBy}
          className={wide ? ui.wideInput : undefined}
          spellCheck={wide ? false : undefined}
        />
      )}
    </Field>
  );
}

/** A select field: the first option (value "") means "no filter". */
export function SelectField({
  label,
  name,
  value,
  options,
  children,
}: {
  label: string;
  name: string;
  value: string;
  options: readonly (readonly [value: string, text: string])[];
  /** Options after the listed ones ("Any failure"). */
  children?: ReactNode;
}) {
  return (
    <Field label={label}>
      {(id) => (
        <select id={id} name={name} defaultValue={value}>
          {options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
          {children}
        </select>
      )}
    </Field>
  );
}

/** "Any status", then every run status by its word (lib/status.ts). */
export const RUN_STATUS_OPTIONS: readonly (readonly [string, string])[] = [
  ["", "Any status"],
  ...RUN_STATUSES.map((s) => [s, RUN_STATUS[s].word] as const),
];
