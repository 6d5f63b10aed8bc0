/**
 * The streaming polygoniser on seeded random masks against a flood fill: one feature per 4-connected water component,
 * rings simple (no repeated vertex), shells positive and holes negative, shell − holes = the component's pixels; live
 * state drops to zero once the rows are done. Simplified polygons keep those properties and are free of crossings.
 */
import { describe, expect, it } from 'vitest';
import { MaskPolygoniser, type WaterComponent } from '../../src-main/engine/vector/polygonise.ts';
import { ringArea2, type PixelPolygon } from '../../src-main/engine/vector/rings.ts';
import { segmentsConflict, simplifyPolygon } from '../../src-main/engine/vector/simplify.ts';
import { SeededRandom } from '../../src-main/engine/inputs/seeded-random.ts';

function random(seed: number): () => number {
  const generator = new SeededRandom(seed);
  return () => generator.next();
}

/** Component sizes by flood fill (4-connected water = value 1). */
function floodFillSizes(mask: Uint8Array, width: number, height: number): number[] {
  const seen = new Uint8Array(mask.length);
  const sizes: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] !== 1 || seen[start]) continue;
    let size = 0;
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const k = stack.pop()!;
      size++;
      const x = k % width;
      const y = Math.floor(k / width);
      for (const [nx, ny] of [[x + 1, y], [x - 1, y], [x, y + 1], [x, y - 1]]) {
        const j = ny * width + nx;
        if (nx >= 0 && ny >= 0 && nx < width && ny < height && mask[j] === 1 && !seen[j]) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    sizes.push(size);
  }
  return sizes.sort((a, b) => a - b);
}

function polygonise(mask: Uint8Array, width: number, height: number): { components: WaterComponent[]; polygoniser: MaskPolygoniser } {
  const components: WaterComponent[] = [];
  const polygoniser = new MaskPolygoniser(width, (row) => 100 + row, (component) => components.push(component));
  for (let y = 0; y < height; y++) polygoniser.pushRow(mask.subarray(y * width, (y + 1) * width));
  polygoniser.finish();
  return { components, polygoniser };
}

function checkPolygon(polygon: PixelPolygon): number {
  let area2 = 0;
  for (const [index, ring] of [polygon.shell, ...polygon.holes].entries()) {
    const vertices = new Set<string>();
    for (let i = 0; i + 2 < ring.length; i += 2) vertices.add(`${ring[i]},${ring[i + 1]}`);
    expect(vertices.size).toBe(ring.length / 2 - 1);
    expect(ring.slice(0, 2)).toEqual(ring.slice(-2));
    expect(Math.sign(ringArea2(ring))).toBe(index === 0 ? 1 : -1);
    area2 += ringArea2(ring);
  }
  return area2 / 2;
}

function noCrossings(polygon: PixelPolygon): boolean {
  const segments: number[][] = [];
  for (const ring of [polygon.shell, ...polygon.holes]) for (let i = 0; i + 3 < ring.length; i += 2) segments.push(ring.slice(i, i + 4));
  for (let i = 0; i < segments.length; i++) for (let j = i + 1; j < segments.length; j++) if (segmentsConflict(segments[i], segments[j])) return false;
  return true;
}

describe('streaming mask polygoniser', () => {
  it('matches a flood fill on 200 random masks (odd sizes, no data, saddles); rings simple; state freed', () => {
    const next = random(9);
    for (let trial = 0; trial < 200; trial++) {
      const width = 1 + Math.floor(next() * 40);
      const height = 1 + Math.floor(next() * 40);
      const density = next();
      const mask = Uint8Array.from({ length: width * height }, () => (next() < density ? 1 : next() < 0.1 ? 255 : 0));
      const { components, polygoniser } = polygonise(mask, width, height);
      expect(components.map((c) => c.pixels).sort((a, b) => a - b)).toEqual(floodFillSizes(mask, width, height));
      for (const component of components) {
        expect(component.polygons).toHaveLength(1);
        expect(checkPolygon(component.polygons[0])).toBe(component.pixels);
      }
      expect(polygoniser.openComponents).toBe(0);
      expect(polygoniser.liveIds).toBe(0);
    }
  });

  it('sums true row areas per component and keeps only the components a row still touches', () => {
    // Two vertical bars, joined at the bottom row: one component, area Σ (100 + row) per pixel.
    const width = 5;
    const rows = ['10001', '10001', '10001', '11111'];
    const mask = Uint8Array.from(rows.join(''), (c) => Number(c));
    const { components } = polygonise(mask, width, rows.length);
    expect(components).toHaveLength(1);
    expect(components[0].pixels).toBe(11);
    expect(components[0].areaM2).toBe(2 * (100 + 101 + 102) + 5 * 103);
    expect(components[0].polygons[0].holes).toHaveLength(0);
    const polygoniser = new MaskPolygoniser(1000, () => 1, () => undefined);
    const stripes = new Uint8Array(1000).map((_, x) => (x % 4 === 0 ? 1 : 0));
    for (let y = 0; y < 50; y++) polygoniser.pushRow(y % 10 === 9 ? new Uint8Array(1000) : stripes);
    expect(polygoniser.liveIds).toBe(0); // row 49 is dry: every stripe has closed
  });

  it('a pinched ring (water touching itself diagonally) becomes a shell and a hole touching at one point', () => {
    // The dry inside (1..2, 1..2) meets the dry corner (0, 0) at the vertex (1, 1): with 4-connected water the
    // outline passes that vertex twice and is cut there into a shell and a hole.
    const rows = ['0111', '1001', '1001', '1111'];
    const mask = Uint8Array.from(rows.join(''), (c) => Number(c));
    const { components } = polygonise(mask, 4, 4);
    expect(components).toHaveLength(1);
    const [polygon] = components[0].polygons;
    expect(polygon.holes).toHaveLength(1);
    expect(checkPolygon(polygon)).toBe(11);
    const hasVertex = (ring: number[]) => ring.some((_, i) => i % 2 === 0 && ring[i] === 1 && ring[i + 1] === 1);
    expect(hasVertex(polygon.shell) && hasVertex(polygon.holes[0])).toBe(true);
    const pinched = Uint8Array.from(['1110', '1010', '1101', '0011'].join(''), (c) => Number(c));
    const result = polygonise(pinched, 4, 4).components;
    expect(result.map((c) => c.pixels).sort()).toEqual(floodFillSizes(pinched, 4, 4));
    for (const component of result) checkPolygon(component.polygons[0]);
  });

  it('simplification keeps rings simple, oriented, uncrossed, with holes inside', () => {
    const next = random(4);
    for (let trial = 0; trial < 25; trial++) {
      const size = 20 + Math.floor(next() * 30);
      const mask = Uint8Array.from({ length: size * size }, (_, k) => {
        const x = k % size;
        const y = Math.floor(k / size);
        return Math.hypot(x - size / 2, y - size / 2) < size / 2.5 && next() > 0.15 ? 1 : 0;
      });
      for (const component of polygonise(mask, size, size).components) {
        for (const tolerance of [0.5, 1, 2.5]) {
          const simplified = simplifyPolygon(component.polygons[0], tolerance);
          expect(simplified.holes).toHaveLength(component.polygons[0].holes.length);
          checkPolygon(simplified);
          expect(noCrossings(simplified)).toBe(true);
        }
      }
    }
  });
});
