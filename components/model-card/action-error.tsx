/** The error of a failed server action, announced politely where the form's buttons are. */
import styles from "./model-page.module.css";

export function ActionError({
  state,
  className,
}: {
  state: { ok: true } | { ok: false; error: { message: string } } | null;
  className?: string;
}) {
  return (
    <span aria-live="polite" className={className}>
      {state && !state.ok ? (
        <span role="alert" className={styles.error}>
          {state.error.message}
        </span>
      ) : null}
    </span>
  );
}
