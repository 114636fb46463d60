/** Next's searchParams (string | string[]) reduced to the known keys' first values, for zod and for links. */
export function searchParamsRecord(
  searchParams: Record<string, string | string[] | undefined>,
  keys: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = searchParams[key];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== "") out[key] = first;
  }
  return out;
}
