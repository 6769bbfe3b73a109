import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from './api';

/** The state of a polled request: the last answer, and the last error (cleared by a success). */
export interface Polled<T> {
  data: T | undefined;
  error: ApiFailure | undefined;
  loading: boolean;
  /** Loads again now. */
  reload(): void;
}

/**
 * Calls `load` now and again every `intervalMs` (0: once) while the tab is visible; a new `key`
 * starts over. Answers of an older key are dropped, so a slow request cannot overwrite a newer one.
 */
export function usePoll<T>(load: () => Promise<T>, key: string, intervalMs: number): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiFailure | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, [key]);

  useEffect(() => {
    const mine = ++generation.current;
    let timer: number | undefined;
    let stopped = false;
    const run = async (): Promise<void> => {
      setLoading(true);
      try {
        const value = await loadRef.current();
        if (stopped || mine !== generation.current) return;
        setData(value);
        setError(undefined);
      } catch (e) {
        if (stopped || mine !== generation.current) return;
        setError(e instanceof ApiFailure ? e : new ApiFailure(0, 'CLIENT', String(e)));
      } finally {
        if (!stopped && mine === generation.current) setLoading(false);
      }
      if (!stopped && intervalMs > 0) {
        timer = window.setTimeout(() => {
          if (document.hidden) {
            // Hidden tab: check again later, load nothing.
            const wait = (): void => {
              if (stopped) return;
              if (document.hidden) timer = window.setTimeout(wait, intervalMs);
              else void run();
            };
            wait();
          } else void run();
        }, intervalMs);
      }
    };
    void run();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [key, intervalMs, tick]);

  return { data, error, loading, reload: () => setTick((n) => n + 1) };
}

/** The current time, refreshed every `intervalMs`, for relative times ("in 12 s"). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
