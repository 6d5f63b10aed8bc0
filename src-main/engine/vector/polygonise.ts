/**
 * Streaming polygonisation of a water mask, row by row, with 4-connectivity (gdal_polygonize's default).
 * Memory follows the boundary length of the components still open, not the pixel count: each row becomes runs of
 * water, runs join components across rows (union-find over live ids only), every component collects its boundary
 * edges, and when a row no longer touches a component its rings are assembled and the polygon is handed out.
 * Coordinates are pixel-corner coordinates (x right, y down); see `toCrs` in the writers.
 */
import { assembleRings, type PixelPolygon } from './rings.ts';

export interface WaterComponent {
  polygons: PixelPolygon[];
  /** Water pixels in the component. */
  pixels: number;
  /** Sum of the true areas of its pixels, m². */
  areaM2: number;
}

interface OpenComponent {
  /** Directed boundary edges, flat [x0, y0, x1, y1, ...], water on the right (y down). */
  edges: number[];
  pixels: number;
  areaM2: number;
}

/** Runs of pixels equal to `water` in `row`: flat [start, end) pairs. */
export function waterRuns(row: ArrayLike<number>, water = 1): number[] {
  const runs: number[] = [];
  const width = row.length;
  let x = 0;
  while (x < width) {
    if (row[x] !== water) {
      x++;
      continue;
    }
    const start = x;
    while (x < width && row[x] === water) x++;
    runs.push(start, x);
  }
  return runs;
}

export class MaskPolygoniser {
  private readonly parent = new Map<number, number>();
  private readonly open = new Map<number, OpenComponent>();
  private nextId = 0;
  private row = 0;
  private previousRuns: number[] = [];
  private previousLabels: number[] = [];

  /**
   * @param width raster width in pixels
   * @param areaOfRow true pixel area (m²) of a row
   * @param emit receives each component when it is complete
   */
  constructor(
    private readonly width: number,
    private readonly areaOfRow: (row: number) => number,
    private readonly emit: (component: WaterComponent) => void,
  ) {}

  private find(id: number): number {
    let root = id;
    for (let next = this.parent.get(root)!; next !== root; next = this.parent.get(root)!) root = next;
    for (let node = id, next = this.parent.get(node)!; node !== root; node = next, next = this.parent.get(node)!) this.parent.set(node, root);
    return root;
  }

  private union(a: number, b: number, merged: number[]): number {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA === rootB) return rootA;
    const componentA = this.open.get(rootA)!;
    const componentB = this.open.get(rootB)!;
    const [keep, drop, kept, dropped] =
      componentA.edges.length >= componentB.edges.length ? [rootA, rootB, componentA, componentB] : [rootB, rootA, componentB, componentA];
    for (let i = 0; i < dropped.edges.length; i++) kept.edges.push(dropped.edges[i]);
    kept.pixels += dropped.pixels;
    kept.areaM2 += dropped.areaM2;
    this.open.delete(drop);
    this.parent.set(drop, keep);
    merged.push(drop);
    return keep;
  }

  /** Adds the next row of the mask (length = width; value 1 is water, anything else is not). */
  pushRow(values: ArrayLike<number>): void {
    if (values.length !== this.width) throw new Error(`row ${this.row} has ${values.length} values, expected ${this.width}`);
    this.step(waterRuns(values));
  }

  /** Closes every component: call after the last row. */
  finish(): void {
    this.step([]);
  }

  private step(runs: number[]): void {
    const y = this.row;
    const previous = this.previousRuns;
    const merged: number[] = [];
    const labels: number[] = new Array(runs.length / 2);
    // Join each run with the overlapping runs of the row above (4-connectivity: they share a column).
    let p = 0;
    for (let r = 0; r < runs.length; r += 2) {
      const start = runs[r];
      const end = runs[r + 1];
      while (p < previous.length && previous[p + 1] <= start) p += 2;
      let label = -1;
      for (let q = p; q < previous.length && previous[q] < end; q += 2) {
        const above = this.previousLabels[q / 2];
        label = label < 0 ? this.find(above) : this.union(label, above, merged);
      }
      if (label < 0) {
        label = this.nextId++;
        this.parent.set(label, label);
        this.open.set(label, { edges: [], pixels: 0, areaM2: 0 });
      }
      labels[r / 2] = label;
    }
    for (let i = 0; i < labels.length; i++) labels[i] = this.find(labels[i]);
    const previousRoots = this.previousLabels.map((label) => this.find(label));

    this.horizontalEdges(y, previous, previousRoots, runs, labels);
    if (runs.length > 0) {
      const area = this.areaOfRow(y);
      for (let r = 0; r < runs.length; r += 2) {
        const component = this.open.get(labels[r / 2])!;
        const start = runs[r];
        const end = runs[r + 1];
        // Left edge goes up (water on its right), right edge goes down.
        component.edges.push(start, y + 1, start, y, end, y, end, y + 1);
        component.pixels += end - start;
        component.areaM2 += (end - start) * area;
      }
    }

    // Components of the row above that no row-y run continues are complete.
    const live = new Set(labels);
    for (const root of new Set(previousRoots)) {
      if (live.has(root)) continue;
      const component = this.open.get(root)!;
      this.open.delete(root);
      this.parent.delete(root);
      this.emit({ polygons: assembleRings(component.edges), pixels: component.pixels, areaM2: component.areaM2 });
    }
    // Ids merged away are referenced only by the rows already done.
    for (const id of merged) this.parent.delete(id);
    this.previousRuns = runs;
    this.previousLabels = labels;
    this.row++;
  }

  /**
   * Boundary segments on the line y between row y−1 (`above`) and row y (`below`): where exactly one side is water.
   * Water below → the segment runs east; water above → west. Pieces split wherever the water side changes.
   */
  private horizontalEdges(y: number, above: number[], aboveLabels: number[], below: number[], belowLabels: number[]): void {
    let i = 0;
    let j = 0;
    let x = 0;
    const aboveAt = (k: number) => (k < above.length ? above[k] : Infinity);
    const belowAt = (k: number) => (k < below.length ? below[k] : Infinity);
    while (i < above.length || j < below.length) {
      // Index parity tells whether we are inside a run (odd index next = inside).
      const nextA = aboveAt(i);
      const nextB = belowAt(j);
      const next = Math.min(nextA, nextB);
      const inAbove = i % 2 === 1;
      const inBelow = j % 2 === 1;
      if (x < next && inAbove !== inBelow) {
        if (inAbove) this.open.get(aboveLabels[(i - 1) / 2])!.edges.push(next, y, x, y);
        else this.open.get(belowLabels[(j - 1) / 2])!.edges.push(x, y, next, y);
      }
      x = next;
      if (nextA === next) i++;
      if (nextB === next) j++;
    }
  }

  /** Components still open (for tests of bounded memory). */
  get openComponents(): number {
    return this.open.size;
  }

  get liveIds(): number {
    return this.parent.size;
  }
}
