import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Async } from '../components/States';
import { legendText } from '../components/charts';
import { PageHeader, Panel, StatCard } from '../components/Panel';
import { BreakdownTable } from '../components/BreakdownTable';
import { useApi } from '../lib/api';
import { apiQuery } from '../lib/filters';
import { shortDay, usd } from '../lib/format';
import { seriesColor } from '../lib/colors';
import { useFilters, useTheme } from '../lib/hooks';
import { visible, type Forecast, type SpendRes } from '../lib/types';

function ForecastChart({ forecast }: { forecast: Forecast }) {
  const { dark } = useTheme();
  const ax = dark ? '#b8c0cc' : '#4a5261';
  return (
    <div className="chart" role="img" aria-label={`Daily cost in ${forecast.month}, actual and projected`} style={{ height: 240 }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={forecast.days.map((d) => ({ t: d.day, actual: d.actual, projected: d.projected }))}>
          <CartesianGrid strokeDasharray="3 3" stroke={dark ? '#333b48' : '#e3e6eb'} vertical={false} />
          <XAxis dataKey="t" tickFormatter={(t: number) => shortDay(t)} stroke={ax} fontSize={12} minTickGap={20} />
          <YAxis tickFormatter={(v: number) => usd(v)} stroke={ax} fontSize={12} width={72} />
          <Tooltip labelFormatter={(t) => shortDay(Number(t))} formatter={(v) => usd(Number(v))} contentStyle={{ background: dark ? '#1c222b' : '#fff', color: dark ? '#e8ebf0' : '#1d2433' }} />
          <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />
          <Bar dataKey="actual" name="Actual" stackId="c" fill={seriesColor(0, dark)} isAnimationActive={false} />
          <Bar dataKey="projected" name="Projected" stackId="c" fill={seriesColor(1, dark)} fillOpacity={0.55} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function Spend() {
  const [f] = useFilters();
  const res = useApi<SpendRes>(`/api/v1/insights/spend?${apiQuery(f)}`);
  return (
    <>
      <PageHeader title="Spend" lede="Token spend by team, tool, model and vendor, with the month-end forecast. Vendor-reported cost wins over list price where a source sends one." />
      <Async result={res}>
        {({ spend: s }) => (
          <>
            <div className="stats">
              <StatCard testId="stat-spend-total" label="Spend in range" value={visible(s.total) ? usd(s.total.cost) : '–'} suppressed={!visible(s.total)} />
              {s.forecast && (
                <>
                  <StatCard testId="stat-spend-mtd" label={`Month to date · ${s.forecast.month}`} value={usd(s.forecast.monthToDate)} />
                  <StatCard testId="stat-spend-forecast" label={`Forecast · end of ${s.forecast.month}`} value={usd(s.forecast.forecast)} hint={s.forecast.method} />
                  <StatCard testId="stat-spend-runrate" label="Run rate per day (28 days)" value={usd(s.forecast.runRate)} />
                </>
              )}
            </div>
            {s.forecast && (
              <Panel id="forecast" title={`Forecast for ${s.forecast.month}`} subtitle="Actual spend so far and the projection for the remaining days">
                <ForecastChart forecast={s.forecast} />
              </Panel>
            )}
            <Panel id="spend-team" title="By team">
              <BreakdownTable rows={s.byTeam} dim="team" label="Team" name="spend-by-team" top={10} />
            </Panel>
            <div className="grid-2">
              <Panel id="spend-tool" title="By tool">
                <BreakdownTable rows={s.byTool} dim="tool" label="Tool" name="spend-by-tool" />
              </Panel>
              <Panel id="spend-model" title="By model">
                <BreakdownTable rows={s.byModel} dim="model" label="Model" name="spend-by-model" />
              </Panel>
              <Panel id="spend-vendor" title="By vendor">
                <BreakdownTable rows={s.byVendor} dim="provider" label="Vendor" name="spend-by-vendor" />
              </Panel>
            </div>
          </>
        )}
      </Async>
    </>
  );
}
