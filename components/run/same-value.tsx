"use client";
/**
 * "Runs with the same value": a run's input fields and hyperparameters link to their pipeline's runs table
 * searched for that value (`hp.learning_rate = 0.01`, lib/runs/search), so the link is a query anyone can edit.
 */
import Link from "next/link";
import type { ReactNode } from "react";
import { sameValueQuery } from "@/lib/runs/search/parse";
import styles from "./details.module.css";

export function sameValueHref(
  pipelineId: number,
  source: "input" | "hp",
  path: (string | number)[],
  value: unknown,
): string | null {
  const q = sameValueQuery(source, path, value);
  return q ? `/pipelines/${pipelineId}?${new URLSearchParams({ q }).toString()}#runs` : null;
}

/** The value as a link to the runs with the same value (plain text when no query can name the field). */
export function SameValueLink({
  pipelineId,
  source,
  path,
  value,
  children,
}: {
  pipelineId: number;
  source: "input" | "hp";
  path: (string | number)[];
  value: unknown;
  children: ReactNode;
}) {
  const href = sameValueHref(pipelineId, source, path, value);
  if (!href) return <>{children}</>;
  return (
    <Link href={href} className={styles.sameValue} title="Runs of this pipeline with the same value">
      {children}
      <span className="visually-hidden"> — runs with the same value</span>
    </Link>
  );
}

const MAX_FIELDS = 40;

/** The scalar leaves of a JSON document (depth ≤ 4, the first 5 items of an array), at most MAX_FIELDS. */
export function inputLeaves(text: string | null): { path: (string | number)[]; value: string | number | boolean }[] {
  if (!text) return [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const out: { path: (string | number)[]; value: string | number | boolean }[] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (out.length >= MAX_FIELDS) return;
    if (typeof node === "string" || typeof node === "number" || typeof node === "boolean") {
      if (path.length) out.push({ path, value: node });
    } else if (Array.isArray(node)) {
      if (path.length < 4) for (const [i, item] of node.slice(0, 5).entries()) walk(item, [...path, i]);
    } else if (node && typeof node === "object" && path.length < 4) {
      for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
    }
  };
  walk(doc, []);
  return out;
}

const pathText = (path: (string | number)[]) =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");

/** The execution input's fields, each value a link to the runs given the same value. */
export function InputFields({ pipelineId, input }: { pipelineId: number; input: string | null }) {
  const leaves = inputLeaves(input);
  if (leaves.length === 0) return null;
  return (
    <table className={`data ${styles.table}`} data-testid="input-fields">
      <caption className="visually-hidden">Execution input fields</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Value (runs with the same)</th>
        </tr>
      </thead>
      <tbody>
        {leaves.map((leaf) => (
          <tr key={pathText(leaf.path)}>
            <td>
              <code>{pathText(leaf.path)}</code>
            </td>
            <td className={styles.wrap}>
              <SameValueLink pipelineId={pipelineId} source="input" path={leaf.path} value={leaf.value}>
                {String(leaf.value)}
              </SameValueLink>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
