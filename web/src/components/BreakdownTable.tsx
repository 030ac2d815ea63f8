import { DataTable } from './DataTable';
import { BarList } from './charts';
import { compact, integer, percent, usd } from '../lib/format';
import { visible, type Row } from '../lib/types';
import type { Dimension } from '../../../src/store/types';

/** A ranked breakdown (team, tool, model, vendor ...) as bars plus a table with CSV export. */
export function BreakdownTable({ rows, dim, label, name, metric = 'cost', chart = true, top = 12 }: { rows: Row[]; dim: Dimension; label: string; name: string; metric?: 'cost' | 'tokens'; chart?: boolean; top?: number }) {
  const shown = rows.filter(visible);
  const total = shown.reduce((s, r) => s + r[metric], 0);
  const keyOf = (r: Row) => r.keys[dim] ?? '(unattributed)';
  return (
    <>
      {chart && shown.length > 0 && (
        <BarList label={`${metric === 'cost' ? 'Cost' : 'Tokens'} by ${label.toLowerCase()}`} format={metric === 'cost' ? usd : compact} data={shown.slice(0, top).map((r) => ({ name: keyOf(r), value: r[metric] }))} />
      )}
      <DataTable
        name={name}
        testId={`${name}-table`}
        rows={rows}
        isSuppressed={(r) => !visible(r)}
        reasonOf={(r) => (r.suppressed ? r.reason : undefined)}
        columns={[
          { key: dim, label, render: keyOf },
          { key: 'cost', label: 'Cost', numeric: true, render: (r) => (visible(r) ? usd(r.cost) : ''), csv: (r) => (visible(r) ? r.cost.toFixed(2) : null) },
          { key: 'share', label: `Share of ${metric}`, numeric: true, render: (r) => (visible(r) ? percent(total ? r[metric] / total : null, 1) : '') },
          { key: 'tokens', label: 'Tokens', numeric: true, render: (r) => (visible(r) ? compact(r.tokens) : ''), csv: (r) => (visible(r) ? r.tokens : null) },
          { key: 'people', label: 'Active people', numeric: true, render: (r) => (visible(r) ? integer(r.people) : ''), csv: (r) => (visible(r) ? r.people : null) },
          { key: 'requests', label: 'Requests', numeric: true, render: (r) => (visible(r) ? compact(r.requests) : ''), csv: (r) => (visible(r) ? r.requests : null) },
        ]}
      />
    </>
  );
}
