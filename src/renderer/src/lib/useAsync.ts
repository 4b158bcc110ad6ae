import { useCallback, useEffect, useRef, useState } from 'react';
import { toClientError, type UiError } from './errors.ts';

export interface AsyncState<T> {
  data: T | undefined;
  error: UiError | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change (and on reload); keeps the last data while reloading. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<UiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(toClientError(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // The caller lists what `load` depends on; `load` itself is read through a ref. The lint checks
    // those lists at each call (react-hooks/exhaustive-deps with additionalHooks: useAsync).
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a caller's list cannot be checked here
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}
