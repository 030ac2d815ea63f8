import { useEffect, useState, type ReactNode } from 'react';
import { BrowserRouter, NavLink, Route, Routes, useLocation } from 'react-router';
import { FilterBar } from './components/FilterBar';
import { SignOut } from './components/SignOut';
import { useApi } from './lib/api';
import { FILTER_KEYS } from './lib/filters';
import { ThemeContext } from './lib/hooks';
import type { ViewerRes } from './lib/types';
import { Adoption } from './pages/Adoption';
import { ContextPage } from './pages/Context';
import { Distribution } from './pages/Distribution';
import { Leaderboards } from './pages/Leaderboards';
import { Mix } from './pages/Mix';
import { Outcomes } from './pages/Outcomes';
import { Overview } from './pages/Overview';
import { People, PersonPage } from './pages/People';
import { Settings } from './pages/Settings';
import { Spend } from './pages/Spend';
import { TeamPage, Teams } from './pages/Teams';
import { Unattributed } from './pages/Unattributed';

export const NAV: { to: string; label: string; group: string }[] = [
  { to: '/', label: 'Overview', group: 'Usage' },
  { to: '/adoption', label: 'Adoption', group: 'Usage' },
  { to: '/distribution', label: 'Distribution', group: 'Usage' },
  { to: '/mix', label: 'Tools & models', group: 'Usage' },
  { to: '/outcomes', label: 'Outcomes', group: 'Usage' },
  { to: '/spend', label: 'Spend', group: 'Cost' },
  { to: '/teams', label: 'Teams', group: 'Organisation' },
  { to: '/people', label: 'People', group: 'Organisation' },
  { to: '/unattributed', label: 'Unattributed', group: 'Organisation' },
  { to: '/context', label: 'Experiments & check-ins', group: 'Community' },
  { to: '/leaderboards', label: 'Leaderboards', group: 'Community' },
  { to: '/settings', label: 'Settings', group: 'Admin' },
];

/** Context pages the server renders itself (plain links, not router routes). */
export const CONTEXT_LINKS: { href: string; label: string; testId: string }[] = [
  { href: '/context/checkin', label: 'Weekly check-in', testId: 'nav-checkin' },
  { href: '/context/digest', label: 'Digest and feed', testId: 'nav-digest' },
];

const KEPT: readonly string[] = ['from', 'to', ...FILTER_KEYS];

/** Keep the view's filters when moving between pages (page-specific keys such as scope are dropped). */
function keepFilters(search: string): string {
  const p = new URLSearchParams(search);
  for (const k of [...p.keys()]) if (!KEPT.includes(k)) p.delete(k);
  const s = p.toString();
  return s ? `?${s}` : '';
}

function Shell({ children }: { children: ReactNode }) {
  const loc = useLocation();
  const [menu, setMenu] = useState(false);
  const viewer = useApi<ViewerRes>('/api/v1/insights/viewer');
  const { dark, toggle } = useThemeState();
  useEffect(() => setMenu(false), [loc.pathname]);
  const groups = [...new Set(NAV.map((n) => n.group))];
  return (
    <ThemeContext.Provider value={{ dark, toggle }}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <aside className={`side${menu ? ' open' : ''}`}>
          <div className="brand">
            <img src="/favicon.svg" alt="" width={26} height={26} /> tokenboard
          </div>
          <button type="button" className="btn menu" aria-expanded={menu} aria-controls="nav" onClick={() => setMenu(!menu)}>
            Menu
          </button>
          <nav id="nav" aria-label="Main">
            {groups.map((g) => (
              <div key={g} className="nav-group">
                <div className="nav-title">{g}</div>
                {NAV.filter((n) => n.group === g).map((n) => (
                  <NavLink key={n.to} to={{ pathname: n.to, search: keepFilters(loc.search) }} end={n.to === '/'} data-testid={`nav-${n.label.toLowerCase().replace(/[^a-z]+/g, '-')}`}>
                    {n.label}
                  </NavLink>
                ))}
              </div>
            ))}
          </nav>
          <nav aria-label="Context">
            <div className="nav-group">
              <div className="nav-title">Context</div>
              {CONTEXT_LINKS.map((l) => (
                <a key={l.href} href={l.href} data-testid={l.testId}>
                  {l.label}
                </a>
              ))}
            </div>
          </nav>
        </aside>
        <div className="body">
          <header className="top">
            <FilterBar />
            <div className="top-right">
              <span className="who" data-testid="who">
                {viewer.state === 'ready' ? (viewer.data.email ?? viewer.data.role) : '…'}
              </span>
              <button type="button" className="btn small" onClick={toggle} aria-pressed={dark} data-testid="theme-toggle">
                {dark ? 'Light' : 'Dark'} mode
              </button>
              <SignOut />
            </div>
          </header>
          <main id="main" tabIndex={-1}>
            {children}
          </main>
          <footer className="foot">Usage is a dashboard, not a measure of productivity. Groups smaller than the minimum size are never shown.</footer>
        </div>
      </div>
    </ThemeContext.Provider>
  );
}

function useThemeState() {
  const initial = () => {
    const saved = localStorage.getItem('tokenboard.theme');
    return saved ? saved === 'dark' : window.matchMedia?.('(prefers-color-scheme: dark)').matches === true;
  };
  const [dark, setDark] = useState(initial);
  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }, [dark]);
  return {
    dark,
    toggle: () =>
      setDark((d) => {
        localStorage.setItem('tokenboard.theme', d ? 'light' : 'dark');
        return !d;
      }),
  };
}

function NotFound() {
  return (
    <div className="state empty">
      <strong>Page not found.</strong> Pick a page from the menu.
    </div>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <Shell>
        <Routes>
          <Route path="/" element={<Overview />} />
          <Route path="/adoption" element={<Adoption />} />
          <Route path="/distribution" element={<Distribution />} />
          <Route path="/mix" element={<Mix />} />
          <Route path="/outcomes" element={<Outcomes />} />
          <Route path="/spend" element={<Spend />} />
          <Route path="/teams" element={<Teams />} />
          <Route path="/teams/:team" element={<TeamPage />} />
          <Route path="/people" element={<People />} />
          <Route path="/people/:email" element={<PersonPage />} />
          <Route path="/unattributed" element={<Unattributed />} />
          <Route path="/context" element={<ContextPage />} />
          <Route path="/leaderboards" element={<Leaderboards />} />
          <Route path="/settings" element={<Settings />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Shell>
    </BrowserRouter>
  );
}
