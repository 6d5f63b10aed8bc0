/**
 * How a scene is cut. The model sees `window`×`window` inputs; of each it keeps only the centre `core`
 * (a `margin` on every side is overlap, thrown away), and the cores tile the scene exactly on a global
 * grid: core (i, j) covers rows i·core… and columns j·core…, its window starts `margin` before. A pixel's
 * value therefore depends only on the scene and the plan — never on which worker, shard or order
 * computed it — and it lies at least `margin` from its window's edge, so no seam shows.
 * Output is written in COG tile rows (`tileSize` scene rows); shards and workers own contiguous tile rows.
 */

export const COG_TILE_SIZE = 256;
const ALIGN = 8;

export interface ScenePlan {
  width: number;
  height: number;
  window: number;
  margin: number;
  core: number;
  tileSize: number;
  tileRows: number;
  tileCols: number;
}

export class ScenePlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenePlanError';
  }
}

/** `overlap` is the pixels shared by neighbouring windows (2 × margin); default window / 4. */
export function scenePlan(width: number, height: number, window: number, overlap?: number): ScenePlan {
  if (!Number.isInteger(window) || window < 2 * ALIGN || window % ALIGN !== 0) {
    throw new ScenePlanError(`window must be a multiple of ${ALIGN} and at least ${2 * ALIGN}, got ${window}`);
  }
  const wanted = overlap ?? window / 4;
  if (!Number.isFinite(wanted) || wanted < 0) throw new ScenePlanError(`overlap must be ≥ 0, got ${overlap}`);
  const margin = Math.round(wanted / 2 / ALIGN) * ALIGN;
  const core = window - 2 * margin;
  if (core < ALIGN) throw new ScenePlanError(`overlap ${wanted} leaves no centre to keep in a ${window}-px window`);
  return {
    width,
    height,
    window,
    margin,
    core,
    tileSize: COG_TILE_SIZE,
    tileRows: Math.ceil(height / COG_TILE_SIZE),
    tileCols: Math.ceil(width / COG_TILE_SIZE),
  };
}

export type RowRange = readonly [number, number];

/** Tile rows of shard `index` (0-based) of `count`: contiguous, in order, together covering all. */
export function shardRows(plan: Pick<ScenePlan, 'tileRows'>, index: number, count: number): RowRange {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new ScenePlanError(`shard must be i/N with 0 ≤ i < N, got ${index}/${count}`);
  }
  return [Math.floor((index * plan.tileRows) / count), Math.floor(((index + 1) * plan.tileRows) / count)];
}

/** Splits tile rows into at most `parts` non-empty contiguous ranges. */
export function splitRows(range: RowRange, parts: number): RowRange[] {
  const [r0, r1] = range;
  const n = Math.max(1, Math.min(parts, r1 - r0));
  const out: RowRange[] = [];
  for (let i = 0; i < n; i++) out.push([r0 + Math.floor((i * (r1 - r0)) / n), r0 + Math.floor(((i + 1) * (r1 - r0)) / n)]);
  return out.filter(([a, b]) => b > a);
}

/** Core rows (indices) whose cores intersect scene rows [y0, y1). */
export function coreRowsFor(plan: ScenePlan, y0: number, y1: number): number[] {
  const first = Math.floor(y0 / plan.core);
  const last = Math.floor((y1 - 1) / plan.core);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** Windows (model passes) needed for tile rows `range`: what progress counts. */
export function windowsFor(plan: ScenePlan, range: RowRange): number {
  const [r0, r1] = range;
  if (r1 <= r0) return 0;
  const y1 = Math.min(plan.height, r1 * plan.tileSize);
  return coreRowsFor(plan, r0 * plan.tileSize, y1).length * Math.ceil(plan.width / plan.core);
}
