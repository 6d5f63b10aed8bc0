/** Safe file stem for a chip id (ids come from file names, but a manifest can say anything). */
export function chipFileStem(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}

/**
 * A distinct file stem for every chip id, so no output overwrites another: ids that are already safe keep
 * their name; an id whose sanitised stem collides (`"chip a"` and `"chip_a"`, or names differing only in
 * case, which collide on macOS/Windows) gets `-2`, `-3`… Duplicate ids are refused.
 */
export function uniqueFileStems(ids: readonly string[]): Map<string, string> {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id))
      throw new Error(`chip id "${id}" appears more than once: each chip needs its own id (its outputs would overwrite each other)`);
    seen.add(id);
  }
  const stems = new Map<string, string>();
  const taken = new Set<string>();
  const claim = (id: string, stem: string) => {
    stems.set(id, stem);
    taken.add(stem.toLowerCase());
  };
  for (const id of ids) if (chipFileStem(id) === id && !taken.has(id.toLowerCase())) claim(id, id);
  for (const id of ids) {
    if (stems.has(id)) continue;
    const base = chipFileStem(id);
    let stem = base;
    for (let n = 2; taken.has(stem.toLowerCase()); n++) stem = `${base}-${n}`;
    claim(id, stem);
  }
  return stems;
}

/**
 * A stem for `id` not yet used by another id in `used` (stem → id), e.g. for a cache that adds chips one
 * at a time: `"chip a"` and `"chip_a"` must not share `chip_a.f32`.
 */
export function freeFileStem(id: string, used: ReadonlyMap<string, string>): string {
  const base = chipFileStem(id);
  let stem = base;
  for (let n = 2; used.has(stem.toLowerCase()) && used.get(stem.toLowerCase()) !== id; n++) stem = `${base}-${n}`;
  return stem;
}
