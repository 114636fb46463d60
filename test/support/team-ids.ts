/**
 * Where a JSON answer still carries a team's numeric database id: the API names teams by their slug only
 * (issue 16). Shared by lib/runs/team-ref.test.ts and the route inventory (e2e/route-inventory.spec.ts),
 * so both look for the same leaks; pure, for Vitest and Playwright alike.
 */

/** Where a team (`team` / `owners`) carries a numeric id, or a `teamId` / `team_id` is a number, in a JSON answer. */
export function numericTeamIds(value: unknown, at = "$"): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => numericTeamIds(item, `${at}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = `${at}.${key}`;
    if ((key === "teamId" || key === "team_id") && typeof child === "number") out.push(path);
    if ((key === "team" || key === "owners") && child !== null && typeof child === "object" && "id" in child) {
      if (typeof (child as { id: unknown }).id === "number") out.push(`${path}.id`);
    }
    out.push(...numericTeamIds(child, path));
  }
  return out;
}
