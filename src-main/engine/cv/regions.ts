/** A chip's region for leave-one-region-out: Sen1Floods11's country prefix (`Ghana_53713` → Ghana), or a site code's letters (`jja10` → jja). */
export function regionFromChipId(id: string): string {
  const match = /^([A-Za-z]+)(?=[_\d-]|$)/.exec(id);
  return match ? match[1] : id;
}

/** Chips grouped by region (sorted), with `overrides` (chip id → region) taking precedence. */
export function groupByRegion(ids: readonly string[], overrides: Record<string, string> = {}): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const id of [...ids].sort()) (groups[overrides[id] ?? regionFromChipId(id)] ??= []).push(id);
  return Object.fromEntries(Object.entries(groups).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
