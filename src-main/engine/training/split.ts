import { hashString } from '../inputs/seeded-random.ts';

export interface SplitFractions {
  val: number;
  test: number;
}

export interface DatasetSplit {
  train: string[];
  val: string[];
  test: string[];
}

/**
 * Deterministic train/val/test split by chip id and seed: chips are ordered by a hash of
 * (seed, id), so the split does not depend on file order and adding a chip moves no other chip.
 * Each non-empty part gets at least one chip when there are enough chips.
 */
export function splitChips(ids: readonly string[], seed: number, fractions: SplitFractions): DatasetSplit {
  if (fractions.val < 0 || fractions.test < 0 || fractions.val + fractions.test >= 1) {
    throw new RangeError(`split fractions must be ≥ 0 and leave chips for training (val ${fractions.val}, test ${fractions.test})`);
  }
  const unique = [...new Set(ids)];
  const ordered = unique
    .map((id) => ({ id, key: hashString(id, seed) }))
    .sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : 1))
    .map((entry) => entry.id);
  const n = ordered.length;
  const count = (fraction: number) => (fraction > 0 && n >= 3 ? Math.max(1, Math.round(n * fraction)) : Math.round(n * fraction));
  const testCount = count(fractions.test);
  const valCount = Math.min(count(fractions.val), Math.max(0, n - testCount - 1));
  return {
    test: ordered.slice(0, testCount).sort(),
    val: ordered.slice(testCount, testCount + valCount).sort(),
    train: ordered.slice(testCount + valCount).sort(),
  };
}

/** `test` = the named chips; the rest split into train/val by the val fraction, as splitChips would. */
export function heldOutSplit(
  ids: readonly string[],
  testIds: readonly string[],
  options: { seed: number; valSplit: number },
): DatasetSplit {
  const test = new Set(testIds);
  const rest = splitChips(
    ids.filter((id) => !test.has(id)),
    options.seed,
    { val: options.valSplit, test: 0 },
  );
  return { train: rest.train, val: rest.val, test: [...test].filter((id) => ids.includes(id)).sort() };
}
