"use client";
import { useEffect, useState, useSyncExternalStore } from "react";

/**
 * The current time, ticking every `intervalMs` while `active`. The first render returns `initial` (the
 * server's render time) so server HTML and hydration agree; ticking starts after mount.
 */
export function useNow(initial: number, active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(initial);
  useEffect(() => {
    setNow(Date.now());
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
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
