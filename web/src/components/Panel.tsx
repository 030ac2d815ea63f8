import type { ReactNode } from 'react';
import { change } from '../lib/format';

export function Panel({ title, subtitle, actions, children, id }: { title: string; subtitle?: ReactNode; actions?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className="panel" aria-labelledby={id ? `${id}-title` : undefined} data-testid={id}>
      <header className="panel-head">
        <div>
          <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
          {subtitle && <p className="panel-sub">{subtitle}</p>}
        </div>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function StatCard({ label, value, current, previous, testId, hint, suppressed }: { label: string; value: string; current?: number | null; previous?: number | null; testId: string; hint?: string; suppressed?: boolean }) {
  const c = current !== undefined && previous !== undefined ? change(current, previous) : null;
  return (
    <div className="stat" data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={`${testId}-value`}>
        {suppressed ? <span className="suppressed">suppressed</span> : value}
      </div>
      <div className="stat-foot">
        {current === undefined ? null : c ? (
          <span className={`delta ${c.direction}`} data-testid={`${testId}-change`}>
            <span aria-hidden="true">{c.direction === 'up' ? '▲' : c.direction === 'down' ? '▼' : '■'}</span> {c.text}
            <span className="sr-only"> compared with the previous period</span>
          </span>
        ) : (
          <span className="delta none">no earlier period</span>
        )}
        {hint && <span className="stat-hint">{hint}</span>}
      </div>
    </div>
  );
}

export function PageHeader({ title, lede }: { title: string; lede?: ReactNode }) {
  return (
    <div className="page-head">
      <h1>{title}</h1>
      {lede && <p className="lede">{lede}</p>}
    </div>
  );
}
