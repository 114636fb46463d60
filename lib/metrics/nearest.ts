/**
 * Hover lookup for the metric graph: the index of the value nearest to `target` in an ascending
 * array, by binary search (O(log n) per pointer move, so hover stays far under a frame at 10k+ points).
 * Returns -1 for an empty array.
 */
export function nearestIndex(sorted: ArrayLike<number>, target: number): number {
  const n = sorted.length;
  if (n === 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs((sorted[lo - 1] as number) - target) <= Math.abs((sorted[lo] as number) - target))
    return lo - 1;
  return lo;
}

/** Min and max of the finite values (null/NaN skipped), or null when there are none. */
export function extent(...arrays: ArrayLike<number | null>[]): [number, number] | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? [min, max] : null;
}
