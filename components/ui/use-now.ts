"use client";
import { useEffect, useState, useSyncExternalStore } from "react";

/**
 * The current time for durations and "5 min ago", ticking every `intervalMs` (null: not at all). The
 * first render returns `initial` (the server's render time) so server HTML and hydration agree; the clock
 * is read and ticks only after mount.
 */
export function useNow(initial: number, intervalMs: number | null): number {
  const [now, setNow] = useState(initial);
  useEffect(() => {
    setNow(Date.now());
    if (intervalMs === null) return;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

const subscribeNothing = () => () => {};

/** False during server rendering and hydration, true afterwards (local times, measured sizes). */
export function useMounted(): boolean {
  return useSyncExternalStore(
    subscribeNothing,
    () => true,
    () => false,
  );
}
