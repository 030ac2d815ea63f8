import { Async, Empty, Suppressed } from '../components/States';
import { PageHeader, Panel } from '../components/Panel';
import { DataTable } from '../components/DataTable';
import { BarList } from '../components/charts';
import { useApi } from '../lib/api';
import { apiQuery } from '../lib/filters';
import { integer, percent, shortDay } from '../lib/format';
import { useFilters } from '../lib/hooks';
import type { AdoptionRes } from '../lib/types';

/** Heat colour for a share (0..1): a single-hue blue scale with readable text on every step. */
function heat(share: number): { background: string; color: string } {
  const steps = ['#f0f5fb', '#d5e4f3', '#abc9e6', '#76a8d6', '#3f82c2', '#1f5f9e', '#0b3d73'];
  const i = Math.min(steps.length - 1, Math.floor(share * steps.length));
  return { background: steps[i]!, color: i >= 4 ? '#ffffff' : '#10243b' };
}

export function Adoption() {
  const [f] = useFilters();
  const res = useApi<AdoptionRes>(`/api/v1/insights/adoption?${apiQuery(f)}`);
  return (
    <>
      <PageHeader title="Adoption breadth" lede="Share of each function's people active each week: is AI used in every function, and where is it stuck?" />
      <Async result={res}>
        {({ adoption: a }) =>
          a.functions.length === 0 ? (
            <Empty>No people in the directory match these filters. Import the directory to see adoption by function.</Empty>
          ) : (
            <>
              <Panel id="adoption-share" title="Active in the range, by function" subtitle="Distinct people active at least once, over headcount">
                <BarList label="Share of headcount active" format={(v) => percent(v)} data={a.functions.filter((x) => x.share !== null).sort((x, y) => y.share! - x.share!).map((x) => ({ name: x.function, value: x.share! }))} />
                <DataTable
                  name="adoption-by-function"
                  testId="adoption-table"
                  rows={a.functions}
                  isSuppressed={(r) => r.suppressed}
                  reasonOf={() => 'fewer than the minimum group size active'}
                  columns={[
                    { key: 'function', label: 'Function', render: (r) => r.function },
                    { key: 'headcount', label: 'Headcount', numeric: true, render: (r) => integer(r.headcount), csv: (r) => r.headcount },
                    { key: 'active', label: 'Active', numeric: true, render: (r) => integer(r.activeInRange ?? 0), csv: (r) => r.activeInRange },
                    { key: 'share', label: 'Share active', numeric: true, render: (r) => percent(r.share), csv: (r) => r.share?.toFixed(4) },
                  ]}
                />
              </Panel>
              <Panel id="adoption-weekly" title="Weekly active share" subtitle="Each cell: people active that ISO week over the function's headcount">
                <div className="table-scroll">
                  <table className="heatmap" data-testid="adoption-heatmap">
                    <caption className="sr-only">Weekly active share by function</caption>
                    <thead>
                      <tr>
                        <th scope="col">Function</th>
                        {a.weeks.map((w) => (
                          <th scope="col" key={w} className="num">
                            {shortDay(w)}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {a.functions.map((fn) => (
                        <tr key={fn.function}>
                          <th scope="row">{fn.function}</th>
                          {a.weeks.map((w) => {
                            const c = a.cells.find((x) => x.week === w && x.function === fn.function)!;
                            return c.suppressed ? (
                              <td key={w} className="num cell-suppressed" title="Fewer active people than the minimum group size">
                                <Suppressed />
                              </td>
                            ) : (
                              <td key={w} className="num" style={heat(c.share ?? 0)} title={`${c.active} of ${c.headcount}`}>
                                {percent(c.share)}
                              </td>
                            );
                          })}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </Panel>
            </>
          )
        }
      </Async>
    </>
  );
}
