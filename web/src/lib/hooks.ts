import { createContext, useContext, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { readFilters, type ViewFilters } from './filters';

/** The current view's filters from the URL, and a setter that keeps the rest of the URL. */
export function useFilters(): [ViewFilters, (patch: Partial<Record<keyof ViewFilters, string | undefined>>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => readFilters(params, Date.now()), [params]);
  const set = (patch: Partial<Record<keyof ViewFilters, string | undefined>>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next);
  };
  return [filters, set];
}

export const ThemeContext = createContext<{ dark: boolean; toggle: () => void }>({ dark: false, toggle: () => {} });
export const useTheme = () => useContext(ThemeContext);
