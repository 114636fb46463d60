import type { Row } from "@/lib/pipelines/compare";
import styles from "./pipeline.module.css";

/** One comparison section: a row per key, a column per run, deltas against the first run. */
export function CompareTable({
  title,
  rows,
  runs,
  formatDelta,
  onlyDiffering = false,
}: {
  title: string;
  rows: Row[];
  runs: { publicId: string; name: string }[];
  formatDelta?: (delta: number) => string;
  onlyDiffering?: boolean;
}) {
  const shown = onlyDiffering ? rows.filter((r) => r.differs) : rows;
  const hidden = rows.length - shown.length;
  return (
    <section className={styles.section} aria-label={title}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">Nothing recorded.</p>
      ) : (
        <div className={styles.compareWrap}>
          <table className="data" data-testid={`compare-${title.toLowerCase().replace(/\W+/g, "-")}`}>
            <thead>
              <tr>
                <th scope="col">{title}</th>
                {runs.map((r, i) => (
                  <th scope="col" key={r.publicId} className={styles.num}>
                    {r.name}
                    {i === 0 ? <span className={styles.sub}>reference</span> : null}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <tr key={row.key} data-key={row.key}>
                  <th scope="row" style={{ fontWeight: row.differs ? 600 : 400 }}>
                    {row.label ?? row.key}
                    {row.differs ? <span className="visually-hidden"> (differs)</span> : null}
                  </th>
                  {row.cells.map((cell, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional (one per run)
                    <td key={i} className={styles.num} data-run={runs[i]?.publicId}>
                      {cell.text}
                      {cell.delta !== null && formatDelta ? (
                        <span
                          className={`${styles.sub} ${cell.better === null ? "" : cell.better ? styles.better : styles.worse}`}
                          data-testid="delta"
                        >
                          {formatDelta(cell.delta)}
                          {cell.better === null ? "" : cell.better ? " better" : " worse"}
                        </span>
                      ) : null}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {hidden > 0 ? <p className="muted">{hidden} identical rows hidden.</p> : null}
    </section>
  );
}
