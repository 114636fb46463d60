/**
 * The dense table of the settings, admin and alerts pages: a header row of column names (scope="col"), a last
 * column for row actions named for screen readers only, and an empty state instead of a headed, empty table.
 * Rows are the caller's `<tr>`s. No hooks, so server pages and client islands both render it.
 */
import type { ReactNode } from "react";

export function DataTable({
  columns,
  actions = false,
  empty,
  count,
  label,
  labelledBy,
  testId,
  className,
  children,
}: {
  columns: readonly string[];
  /** a last column for each row's buttons, headed "Actions" for screen readers only */
  actions?: boolean;
  /** shown instead of the table when `count` is 0 */
  empty?: string;
  count?: number;
  label?: string;
  labelledBy?: string;
  testId?: string;
  className?: string;
  children: ReactNode;
}) {
  if (empty !== undefined && count === 0) {
    return (
      <div className="empty-state">
        <p>{empty}</p>
      </div>
    );
  }
  return (
    <table
      className={className ? `data ${className}` : "data"}
      aria-label={label}
      aria-labelledby={labelledBy}
      data-testid={testId}
    >
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
          {actions ? (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
