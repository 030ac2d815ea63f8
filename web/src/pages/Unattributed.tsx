import { Async } from '../components/States';
import { PageHeader, Panel, StatCard } from '../components/Panel';
import { DataTable } from '../components/DataTable';
import { useApi } from '../lib/api';
import { apiQuery } from '../lib/filters';
import { compact, integer, usd } from '../lib/format';
import { useFilters } from '../lib/hooks';
import type { UnattributedRes } from '../lib/types';

export function Unattributed() {
  const [f] = useFilters();
  const res = useApi<UnattributedRes>(`/api/v1/insights/unattributed?${apiQuery(f)}`);
  return (
    <>
      <PageHeader title="Unattributed usage" lede="Usage from identities (API keys, accounts, machine users, unknown emails) that the directory does not map to a person. Map them in the directory to attribute their history." />
      <Async result={res}>
        {({ unattributed: u }) => (
          <>
            <div className="stats">
              <StatCard testId="unattr-identities" label="Identities" value={u.total ? integer(u.total.identities) : '–'} suppressed={!u.total} />
              <StatCard testId="unattr-tokens" label="Tokens" value={u.total ? compact(u.total.tokens) : '–'} suppressed={!u.total} />
              <StatCard testId="unattr-cost" label="Cost" value={u.total ? usd(u.total.cost) : '–'} suppressed={!u.total} />
            </div>
            {u.suppressedReason && (
              <p className="note" data-testid="unattr-suppressed">
                Totals are suppressed: {u.suppressedReason}.
              </p>
            )}
            <Panel id="unattributed" title="Identities" subtitle="Each identity is an individual question: visible to roles that may see individuals">
              {u.identities ? (
                <DataTable
                  name="unattributed"
                  testId="unattributed-table"
                  rows={u.identities}
                  columns={[
                    { key: 'identity', label: 'Identity', render: (r) => <code>{r.identity}</code>, csv: (r) => r.identity },
                    { key: 'tokens', label: 'Tokens', numeric: true, render: (r) => compact(r.tokens), csv: (r) => r.tokens },
                    { key: 'cost', label: 'Cost', numeric: true, render: (r) => usd(r.cost), csv: (r) => r.cost.toFixed(2) },
                    { key: 'requests', label: 'Requests', numeric: true, render: (r) => compact(r.requests), csv: (r) => r.requests },
                    { key: 'days', label: 'Active days', numeric: true, render: (r) => integer(r.activeDays), csv: (r) => r.activeDays },
                  ]}
                />
              ) : (
                <div className="state private" data-testid="private" role="note">
                  <strong>Private by policy.</strong> The list of identities is visible to roles that may see individuals.
                </div>
              )}
            </Panel>
          </>
        )}
      </Async>
    </>
  );
}
