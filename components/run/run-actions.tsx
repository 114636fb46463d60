"use client";
/**
 * Stop / redrive / re-run, for members of the owning team only (the server decides who sees them and
 * checks again on every call). Each asks for confirmation in a modal <dialog>, runs a server action, and
 * reports the outcome; the run's new state then arrives through the live stream like any other change.
 */
import Link from "next/link";
import { useRef, useState } from "react";
import { runPath } from "@/lib/runs/links";
import { runActionAvailability } from "@/lib/runs/permissions";
import type { RunAction, RunActionResult, RunStatus } from "@/lib/runs/schema";
import styles from "./run.module.css";
import { type RunActionFn, useRunAction } from "./use-run-action";

export type RunActionFns = Record<RunAction, RunActionFn>;

const COPY: Record<RunAction, { button: string; title: string; body: string; confirm: string; busy: string }> = {
  stop: {
    button: "Stop",
    title: "Stop this run?",
    body: "Step Functions aborts the execution: running steps are cut short and SageMaker jobs they started are stopped. The run can be redriven afterwards.",
    confirm: "Stop run",
    busy: "Stopping…",
  },
  redrive: {
    button: "Redrive",
    title: "Redrive this run?",
    body: "Step Functions restarts the execution from the states that failed, keeping the results of those that succeeded. The new attempts appear on this page.",
    confirm: "Redrive run",
    busy: "Redriving…",
  },
  rerun: {
    button: "Re-run",
    title: "Start a new run with the same input?",
    body: "A new execution of the pipeline starts with exactly this run's input. This run stays as it is.",
    confirm: "Start new run",
    busy: "Starting…",
  },
};

export function RunActions({
  publicId,
  status,
  stoppedAt,
  actions,
}: {
  publicId: string;
  status: RunStatus;
  stoppedAt: string | null;
  actions: RunActionFns;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { pending, error, setError, confirm: run } = useRunAction(publicId);
  const [open, setOpen] = useState<RunAction | null>(null);
  const [reason, setReason] = useState("");
  const [result, setResult] = useState<RunActionResult | null>(null);
  const available = runActionAvailability({ status, stoppedAt });
  const shown = (["stop", "redrive", "rerun"] as const).filter((a) => available[a]);

  const ask = (action: RunAction) => {
    setOpen(action);
    setError(null);
    setReason("");
    dialog.current?.showModal();
  };
  const close = () => {
    dialog.current?.close();
    setOpen(null);
  };
  const confirm = async () => {
    if (!open) return;
    const done = await run(actions[open], open === "stop" && reason ? reason : undefined);
    if (done) {
      setResult(done);
      close();
    }
  };

  const copy = open ? COPY[open] : null;
  return (
    <div className={styles.actions}>
      {shown.map((action) => (
        <button
          key={action}
          type="button"
          className={styles.button}
          data-variant={action === "stop" ? "danger" : undefined}
          onClick={() => ask(action)}
          disabled={pending}
        >
          {COPY[action].button}
        </button>
      ))}
      <p className={styles.actionResult} role="status">
        {result ? (
          <>
            <span aria-hidden="true">✓ </span>
            {result.message}
            {result.newRunPublicId ? (
              <>
                {" "}
                <Link href={runPath(result.newRunPublicId)}>Open the new run</Link>
              </>
            ) : null}
          </>
        ) : null}
      </p>
      <dialog
        ref={dialog}
        className={styles.dialog}
        aria-labelledby="action-title"
        aria-describedby="action-body"
        onClose={() => setOpen(null)}
      >
        {copy ? (
          <form
            method="dialog"
            onSubmit={(e) => {
              e.preventDefault();
              void confirm();
            }}
          >
            <h2 id="action-title" className={styles.dialogTitle}>
              {copy.title}
            </h2>
            <p id="action-body">{copy.body}</p>
            {open === "stop" ? (
              <label className={styles.field}>
                Reason <span className="muted">(optional, kept in the audit log)</span>
                <input value={reason} maxLength={256} onChange={(e) => setReason(e.target.value)} />
              </label>
            ) : null}
            {error ? (
              <p className={styles.dialogError} role="alert">
                {error}
              </p>
            ) : null}
            <div className={styles.dialogButtons}>
              <button type="button" className={styles.button} onClick={close} disabled={pending}>
                Cancel
              </button>
              <button
                type="submit"
                className={styles.button}
                data-variant={open === "stop" ? "danger" : "primary"}
                disabled={pending}
              >
                {pending ? copy.busy : copy.confirm}
              </button>
            </div>
          </form>
        ) : null}
      </dialog>
    </div>
  );
}
