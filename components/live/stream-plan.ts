/**
 * Where a new live stream must start, and which topics still need a refetch once it is ready. Pure, so the
 * cases (a page's first stream, a stream replacing another, pages with different as-of ids) are unit-tested.
 *
 * A topic's data is "known as of" a live_event id when nothing committed up to that id is missing from it:
 *  - the page's server render says so (`declared`: the highest live_event id its own statement saw, in the
 *    same snapshot as its data);
 *  - a previous ready stream carried it (`covered`) and got every event after `point` (the id it started
 *    after, then the last id it delivered).
 * The stream starts after the LOWEST known id: for a topic known as of a higher id the replay of what it
 * already shows costs a refetch, never a lost change. Topics known as of no id are refetched on "ready", as
 * every topic was before pages stated their id. With no known id at all the stream starts without one.
 */
export type StreamPlan = {
  /** `?lastEventId=` for the stream; null: the server replays nothing. */
  after: string | null;
  /** Topics whose queries are refetched once the stream is ready (the server could not catch them up). */
  refetch: string[];
};

/** Live event ids are decimal strings (bigint in Postgres); compared as bigints so no precision is lost. */
export const isEventId = (value: string | null | undefined): value is string =>
  typeof value === "string" && /^\d{1,18}$/.test(value);

export function planStream({
  topics,
  covered,
  point,
  declared,
}: {
  topics: readonly string[];
  covered: ReadonlySet<string>;
  point: string | null;
  declared: ReadonlyMap<string, string>;
}): StreamPlan {
  let lowest: bigint | null = null;
  const refetch: string[] = [];
  for (const topic of topics) {
    const ids: bigint[] = [];
    if (covered.has(topic) && isEventId(point)) ids.push(BigInt(point));
    const stated = declared.get(topic);
    if (isEventId(stated)) ids.push(BigInt(stated));
    if (ids.length === 0) {
      refetch.push(topic);
      continue;
    }
    for (const id of ids) if (lowest === null || id < lowest) lowest = id;
  }
  return { after: lowest === null ? null : lowest.toString(), refetch };
}

/** The lower of two ids (either may be absent): what two sections of one topic are both known as of. */
export function lowerId(a: string | undefined, b: string): string {
  return isEventId(a) && BigInt(a) < BigInt(b) ? a : b;
}
