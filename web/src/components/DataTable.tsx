import type { ReactNode } from 'react';
import { toCsv, type Cell } from '../lib/csv';
import { Suppressed } from './States';

export interface Column<R> {
  key: string;
  label: string;
  render: (r: R) => ReactNode;
  csv?: (r: R) => Cell;
  numeric?: boolean;
}

/** A table with CSV export. Rows the policy suppressed keep their key cell and say so in place of numbers. */
export function DataTable<R>({
  columns,
  rows,
  name,
  caption,
  isSuppressed,
  reasonOf,
  testId,
  empty = 'Nothing in this range.',
}: {
  columns: Column<R>[];
  rows: R[];
  name: string;
  caption?: string;
  isSuppressed?: (r: R) => boolean;
  reasonOf?: (r: R) => string | undefined;
  testId?: string;
  empty?: string;
}) {
  const download = () => {
    const csv = toCsv(
      columns.map((c) => c.label),
      rows.map((r) => columns.map((c, i) => (i > 0 && isSuppressed?.(r) ? 'suppressed' : c.csv ? c.csv(r) : textOf(c.render(r))))),
    );
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `tokenboard-${name}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <div className="table-wrap">
      <div className="table-tools">
        <button type="button" className="btn small" onClick={download} disabled={rows.length === 0} data-testid={testId ? `${testId}-csv` : undefined}>
          Export CSV
        </button>
      </div>
      <div className="table-scroll">
        <table data-testid={testId}>
          {caption && <caption className="sr-only">{caption}</caption>}
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined}>
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={columns.length} className="empty-cell" data-testid="empty">
                  {empty}
                </td>
              </tr>
            )}
            {rows.map((r, i) =>
              isSuppressed?.(r) ? (
                <tr key={i} className="row-suppressed" data-suppressed="true">
                  <td>{columns[0]!.render(r)}</td>
                  <td colSpan={columns.length - 1}>
                    <Suppressed reason={reasonOf?.(r)} />
                  </td>
                </tr>
              ) : (
                <tr key={i}>
                  {columns.map((c) => (
                    <td key={c.key} className={c.numeric ? 'num' : undefined} data-col={c.key}>
                      {c.render(r)}
                    </td>
                  ))}
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function textOf(n: ReactNode): Cell {
  if (n === null || n === undefined || typeof n === 'boolean') return '';
  if (typeof n === 'string' || typeof n === 'number') return n;
  return '';
}
