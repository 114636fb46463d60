"use client";
/**
 * A collapsed JSON tree for step payloads (up to 256 KiB as Step Functions allows, and more). It parses
 * once and renders only what is open: objects show their first level, a child's subtree is built only when
 * expanded, arrays and objects open 100 entries at a time, long strings are cut until asked — so a large
 * payload costs one JSON.parse and a few dozen DOM nodes, never a frozen tab. "Raw" shows the text itself.
 */
import { memo, useMemo, useState } from "react";
import ui from "@/components/ui/ui.module.css";
import { formatBytes } from "@/lib/format";
import styles from "./json.module.css";

const PAGE = 100;
const STRING_PREVIEW = 240;
/** Above this, pretty-printing the raw view is skipped: the text is shown as received. */
const PRETTY_LIMIT = 1024 * 1024;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function JsonViewer({
  text,
  label,
  emptyText = "None",
}: {
  text: string | null;
  label: string;
  emptyText?: string;
}) {
  const [raw, setRaw] = useState(false);
  const [copied, setCopied] = useState(false);
  const parsed = useMemo((): { ok: true; value: Json } | { ok: false } => {
    if (text === null) return { ok: false };
    try {
      return { ok: true, value: JSON.parse(text) as Json };
    } catch {
      return { ok: false };
    }
  }, [text]);

  if (text === null || text === "") return <p className="muted">{emptyText}</p>;
  const showRaw = raw || !parsed.ok;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };

  return (
    <div className={styles.viewer}>
      <div className={styles.tools}>
        <span className="muted">
          {label} · {formatBytes(text.length)}
          {parsed.ok ? "" : " · not JSON"}
        </span>
        <span className={ui.spacer} />
        {parsed.ok ? (
          <button type="button" className={ui.tool} aria-pressed={raw} onClick={() => setRaw(!raw)}>
            Raw
          </button>
        ) : null}
        <button type="button" className={ui.tool} onClick={copy}>
          {copied ? "Copied" : "Copy"}
        </button>
        <span className="visually-hidden" aria-live="polite">
          {copied ? `${label} copied` : ""}
        </span>
      </div>
      {showRaw ? (
        <RawText text={text} pretty={parsed.ok ? parsed.value : undefined} />
      ) : parsed.ok ? (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        <section className={styles.tree} tabIndex={0} aria-label={label}>
          <JsonNode name={null} value={parsed.value} depth={0} defaultOpen />
        </section>
      ) : null}
    </div>
  );
}

function RawText({ text, pretty }: { text: string; pretty: Json | undefined }) {
  const shown = useMemo(
    () => (pretty !== undefined && text.length <= PRETTY_LIMIT ? JSON.stringify(pretty, null, 2) : text),
    [text, pretty],
  );
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <pre className={styles.raw} tabIndex={0}>
      {shown}
    </pre>
  );
}

function summary(value: Json): string {
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? "" : "s"}]`;
  if (value !== null && typeof value === "object") {
    const n = Object.keys(value).length;
    return `{${n} key${n === 1 ? "" : "s"}}`;
  }
  return "";
}

const JsonNode = memo(function JsonNode({
  name,
  value,
  depth,
  defaultOpen = false,
}: {
  name: string | null;
  value: Json;
  depth: number;
  defaultOpen?: boolean;
}) {
  const [open, setOpen] = useState(defaultOpen);
  const [shown, setShown] = useState(PAGE);
  const isContainer = value !== null && typeof value === "object";
  const keyLabel = name === null ? null : <span className={styles.key}>{name}</span>;

  if (!isContainer) {
    return (
      <div className={styles.leaf}>
        {keyLabel}
        {keyLabel ? <span className={styles.colon}>: </span> : null}
        <Scalar value={value} />
      </div>
    );
  }
  const entries: [string, Json][] = Array.isArray(value)
    ? value.slice(0, open ? shown : 0).map((v, i) => [String(i), v])
    : Object.entries(value).slice(0, open ? shown : 0);
  const total = Array.isArray(value) ? value.length : Object.keys(value).length;
  return (
    <div>
      <button type="button" className={styles.toggle} aria-expanded={open} onClick={() => setOpen(!open)}>
        <span aria-hidden="true" className={styles.chevron}>
          {open ? "▾" : "▸"}
        </span>
        {keyLabel ?? <span className={styles.key}>{Array.isArray(value) ? "array" : "object"}</span>}
        <span className={styles.summary}> {summary(value)}</span>
      </button>
      {open ? (
        <div className={styles.children}>
          {entries.map(([k, v]) => (
            <JsonNode key={k} name={k} value={v} depth={depth + 1} />
          ))}
          {total > shown ? (
            <button type="button" className={styles.more} onClick={() => setShown(shown + PAGE)}>
              Show {Math.min(PAGE, total - shown)} more of {total - shown} remaining
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
});

function Scalar({ value }: { value: Json }) {
  const [full, setFull] = useState(false);
  if (typeof value === "string") {
    const long = value.length > STRING_PREVIEW;
    return (
      <span className={styles.string}>
        &quot;{long && !full ? `${value.slice(0, STRING_PREVIEW)}…` : value}&quot;
        {long ? (
          <button type="button" className={styles.inlineMore} onClick={() => setFull(!full)}>
            {full ? "less" : `${formatBytes(value.length)} — show all`}
          </button>
        ) : null}
      </span>
    );
  }
  if (typeof value === "number") return <span className={styles.number}>{String(value)}</span>;
  if (typeof value === "boolean") return <span className={styles.boolean}>{String(value)}</span>;
  return <span className={styles.null}>null</span>;
}
