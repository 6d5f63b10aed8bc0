/**
 * Validity-keeping simplification of pixel polygons: Douglas–Peucker per ring in pixel space (tolerance in pixels),
 * with the vertices where two rings of the polygon touch kept as fixed anchors. The simplified polygon is then
 * checked — no two segments cross or overlap (uniform-grid index), every ring keeps its orientation and ≥ 3 vertices,
 * every hole stays inside the shell and outside the other holes — and on failure the tolerance halves (three
 * times) before the polygon is kept as it was. Kept vertices are original pixel corners, so every test is exact.
 * Not checked: overlaps between different polygons (diagonal neighbours may overlap by < tolerance).
 */
import { pointInRing, ringArea2, type PixelPolygon, type Ring } from './rings.ts';

const keyOf = (x: number, y: number) => `${x},${y}`;

/** Douglas–Peucker on the open polyline points[from..to] (flat), keeping both ends; marks kept vertices. */
function douglasPeucker(ring: Ring, from: number, to: number, tolerance2: number, keep: Uint8Array): void {
  const stack: [number, number][] = [[from, to]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    if (b - a < 2) continue;
    const ax = ring[a * 2];
    const ay = ring[a * 2 + 1];
    const dx = ring[b * 2] - ax;
    const dy = ring[b * 2 + 1] - ay;
    const length2 = dx * dx + dy * dy;
    let worst = -1;
    let worstDistance2 = tolerance2;
    for (let i = a + 1; i < b; i++) {
      const px = ring[i * 2] - ax;
      const py = ring[i * 2 + 1] - ay;
      const distance2 = length2 === 0 ? px * px + py * py : (dx * py - dy * px) ** 2 / length2;
      if (distance2 > worstDistance2) {
        worstDistance2 = distance2;
        worst = i;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
}

/** Simplifies one closed ring; `anchors` are vertex keys that must stay. */
function simplifyRing(ring: Ring, tolerance: number, anchors: Set<string>): Ring {
  const count = ring.length / 2 - 1; // distinct vertices
  if (count <= 4) return ring;
  const keep = new Uint8Array(count + 1);
  const fixed: number[] = [];
  for (let i = 0; i < count; i++) if (anchors.has(keyOf(ring[i * 2], ring[i * 2 + 1]))) fixed.push(i);
  if (fixed.length === 0) {
    // No anchor: start at vertex 0 and the vertex farthest from it.
    let far = 0;
    let best = -1;
    for (let i = 1; i < count; i++) {
      const d = (ring[i * 2] - ring[0]) ** 2 + (ring[i * 2 + 1] - ring[1]) ** 2;
      if (d > best) [best, far] = [d, i];
    }
    fixed.push(0, far);
  }
  // Rotate so the first anchor is vertex 0; the ring then runs anchor to anchor.
  const start = fixed[0];
  const rotated: Ring = [];
  for (let i = 0; i <= count; i++) {
    const j = (start + i) % count;
    rotated.push(ring[j * 2], ring[j * 2 + 1]);
  }
  const stops = [...fixed.map((f) => (f - start + count) % count), count].sort((a, b) => a - b);
  for (const stop of stops) keep[stop] = 1;
  for (let s = 0; s + 1 < stops.length; s++) douglasPeucker(rotated, stops[s], stops[s + 1], tolerance * tolerance, keep);
  const out: Ring = [];
  for (let i = 0; i <= count; i++) if (keep[i]) out.push(rotated[i * 2], rotated[i * 2 + 1]);
  return out;
}

const cross = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) => Math.sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax));
const within = (a: number, b: number, c: number) => Math.min(a, b) <= c && c <= Math.max(a, b);

/** True when segments ab and cd meet anywhere except at one shared endpoint where they do not overlap. */
export function segmentsConflict(s: number[], t: number[]): boolean {
  const [ax, ay, bx, by] = s;
  const [cx, cy, dx, dy] = t;
  const sameA = (ax === cx && ay === cy) || (ax === dx && ay === dy);
  const sameB = (bx === cx && by === cy) || (bx === dx && by === dy);
  if (sameA && sameB) return true;
  const o1 = cross(ax, ay, bx, by, cx, cy);
  const o2 = cross(ax, ay, bx, by, dx, dy);
  const o3 = cross(cx, cy, dx, dy, ax, ay);
  const o4 = cross(cx, cy, dx, dy, bx, by);
  if (sameA || sameB) {
    if (o1 !== 0 || o2 !== 0) return false; // not collinear: they meet only at the shared point
    // Collinear with a shared endpoint: they overlap when the other ends lie on the same side of it.
    const [px, py] = sameA ? [ax, ay] : [bx, by];
    const [qx, qy] = sameA ? [bx, by] : [ax, ay];
    const [rx, ry] = px === cx && py === cy ? [dx, dy] : [cx, cy];
    return (qx - px) * (rx - px) + (qy - py) * (ry - py) > 0;
  }
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;
  return (
    (o1 === 0 && within(ax, bx, cx) && within(ay, by, cy)) ||
    (o2 === 0 && within(ax, bx, dx) && within(ay, by, dy)) ||
    (o3 === 0 && within(cx, dx, ax) && within(cy, dy, ay)) ||
    (o4 === 0 && within(cx, dx, bx) && within(cy, dy, by))
  );
}

/** No two segments of `rings` conflict (grid index: cells of `cell` pixels). */
function ringsDoNotCross(rings: Ring[], cell: number): boolean {
  const grid = new Map<string, number[][]>();
  for (const ring of rings) {
    for (let i = 0; i + 3 < ring.length; i += 2) {
      const segment = [ring[i], ring[i + 1], ring[i + 2], ring[i + 3]];
      const x0 = Math.floor(Math.min(segment[0], segment[2]) / cell);
      const x1 = Math.floor(Math.max(segment[0], segment[2]) / cell);
      const y0 = Math.floor(Math.min(segment[1], segment[3]) / cell);
      const y1 = Math.floor(Math.max(segment[1], segment[3]) / cell);
      for (let gx = x0; gx <= x1; gx++) {
        for (let gy = y0; gy <= y1; gy++) {
          const key = `${gx},${gy}`;
          const list = grid.get(key);
          if (!list) {
            grid.set(key, [segment]);
            continue;
          }
          for (const other of list) if (segmentsConflict(segment, other)) return false;
          list.push(segment);
        }
      }
    }
  }
  return true;
}

/** The midpoint of a ring's first segment: on no other ring once no segments conflict. */
const samplePoint = (ring: Ring): [number, number] => [(ring[0] + ring[2]) / 2, (ring[1] + ring[3]) / 2];

function bboxOf(ring: Ring): [number, number, number, number] {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < ring.length; i += 2) {
    minX = Math.min(minX, ring[i]);
    maxX = Math.max(maxX, ring[i]);
    minY = Math.min(minY, ring[i + 1]);
    maxY = Math.max(maxY, ring[i + 1]);
  }
  return [minX, minY, maxX, maxY];
}

function isValid(original: PixelPolygon, simplified: PixelPolygon, tolerance: number): boolean {
  const rings = [simplified.shell, ...simplified.holes];
  const before = [original.shell, ...original.holes];
  for (let i = 0; i < rings.length; i++) {
    if (rings[i].length < 8 || Math.sign(ringArea2(rings[i])) !== Math.sign(ringArea2(before[i]))) return false;
  }
  if (!ringsDoNotCross(rings, Math.max(8, tolerance * 8))) return false;
  const boxes = simplified.holes.map(bboxOf);
  for (const [i, hole] of simplified.holes.entries()) {
    const [px, py] = samplePoint(hole);
    if (!pointInRing(px, py, simplified.shell)) return false;
    for (const [j, other] of simplified.holes.entries()) {
      const box = boxes[j];
      if (j !== i && px > box[0] && px < box[2] && py > box[1] && py < box[3] && pointInRing(px, py, other)) return false;
    }
  }
  return true;
}

/** Simplifies a polygon with `tolerance` pixels, keeping it valid (see the module comment). */
export function simplifyPolygon(polygon: PixelPolygon, tolerance: number): PixelPolygon {
  if (!(tolerance > 0)) return polygon;
  const seen = new Set<string>();
  const anchors = new Set<string>();
  for (const ring of [polygon.shell, ...polygon.holes]) {
    for (let i = 0; i + 2 < ring.length; i += 2) {
      const key = keyOf(ring[i], ring[i + 1]);
      if (seen.has(key)) anchors.add(key);
      seen.add(key);
    }
  }
  for (let attempt = 0, t = tolerance; attempt < 4; attempt++, t /= 2) {
    const simplified = { shell: simplifyRing(polygon.shell, t, anchors), holes: polygon.holes.map((hole) => simplifyRing(hole, t, anchors)) };
    if (isValid(polygon, simplified, t)) return simplified;
  }
  return polygon;
}
