/**
 * A word diff of one narrative field. Insertions and deletions are marked with <ins>/<del> (underlined /
 * struck through, not colour alone) and announced as "added" / "removed" to screen readers.
 */
import type { FieldDiff } from "@/lib/models/diff";
import styles from "./model-page.module.css";

export function RevisionDiff({ diffs }: { diffs: FieldDiff[] }) {
  if (diffs.length === 0) return <p className={styles.hint}>No narrative field changed between these revisions.</p>;
  return (
    <div data-testid="revision-diff">
      <p className={styles.diffLegend}>
        <ins>underlined</ins> text was added, <del>struck-through</del> text was removed.
      </p>
      {diffs.map((d) => (
        <section key={d.key} className={styles.diffField} aria-label={`Changes to ${d.label}`}>
          <h3>{d.label}</h3>
          <p className={styles.diffText}>
            {d.parts.map((part, i) =>
              part.added ? (
                // biome-ignore lint/suspicious/noArrayIndexKey: parts have no identity beyond their order
                <ins key={i}>
                  <span className="visually-hidden">[added: </span>
                  {part.value}
                  <span className="visually-hidden">]</span>
                </ins>
              ) : part.removed ? (
                // biome-ignore lint/suspicious/noArrayIndexKey: parts have no identity beyond their order
                <del key={i}>
                  <span className="visually-hidden">[removed: </span>
                  {part.value}
                  <span className="visually-hidden">]</span>
                </del>
              ) : (
                // biome-ignore lint/suspicious/noArrayIndexKey: parts have no identity beyond their order
                <span key={i}>{part.value}</span>
              ),
            )}
          </p>
        </section>
      ))}
    </div>
  );
}
