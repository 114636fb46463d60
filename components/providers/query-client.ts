/**
 * The browser's QueryClient. Query results reach their components in a microtask after they settle, not in a
 * later `setTimeout` task (TanStack Query's default): on a page still starting up, a task queued behind React's
 * hydration slices, prefetches and the other queries' work waited for all of them, so the metric graph drew its
 * series up to ~100 ms after they had arrived. Measured with `bench/profile-graph.ts --plain` (quick scale, 40 loads
 * each, alternating): data → plot committed median 84.6 / 101.6 ms with the timer, 54.1 / 63.9 ms with the
 * microtask.
 */
import { notifyManager, QueryClient } from "@tanstack/react-query";

export function createQueryClient(): QueryClient {
  notifyManager.setScheduler(queueMicrotask);
  return new QueryClient({
    defaultOptions: {
      // Freshness comes from live invalidation, not from refetching on a timer.
      queries: { staleTime: 60_000, refetchOnWindowFocus: false, retry: 1 },
    },
  });
}
