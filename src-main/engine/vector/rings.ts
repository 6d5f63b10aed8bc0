/**
 * Rings from a component's directed boundary edges (water on the right, y down). At a vertex where two water pixels
 * of the component touch only diagonally the walk turns right, hugging the pixel it follows: water stays
 * 4-connected. A walk that comes back to a vertex it already visited cuts that loop off, so every ring is simple;
 * a pinched outer boundary becomes a shell plus a hole touching it at one point (valid in OGC simple features).
 * Shells come out clockwise on screen (positive pixel-space area), holes counter-clockwise.
 */

/** A ring: closed flat [x0, y0, x1, y1, ..., x0, y0] in pixel-corner coordinates. */
export type Ring = number[];

export interface PixelPolygon {
  shell: Ring;
  holes: Ring[];
}

const KEY_STRIDE = 2 ** 26;
const keyOf = (x: number, y: number) => y * KEY_STRIDE + x;

/** Twice the signed area (shoelace) of a closed flat ring. */
export function ringArea2(ring: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i + 3 < ring.length; i += 2) sum += ring[i] * ring[i + 3] - ring[i + 2] * ring[i + 1];
  return sum;
}

/** Drops vertices between two collinear segments (pixel rings are axis-parallel), including at the start. */
function withoutCollinear(points: number[]): Ring {
  const count = points.length / 2;
  const kept: number[] = [];
  for (let i = 0; i < count; i++) {
    const prev = ((i + count - 1) % count) * 2;
    const next = ((i + 1) % count) * 2;
    const x = points[i * 2];
    const y = points[i * 2 + 1];
    const cross = (x - points[prev]) * (points[next + 1] - y) - (y - points[prev + 1]) * (points[next] - x);
    if (cross !== 0) kept.push(x, y);
  }
  kept.push(kept[0], kept[1]);
  return kept;
}

/** True when (px, py) is strictly inside the closed ring (even-odd ray cast; the point must not lie on it). */
export function pointInRing(px: number, py: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0; i + 3 < ring.length; i += 2) {
    const x0 = ring[i];
    const y0 = ring[i + 1];
    const x1 = ring[i + 2];
    const y1 = ring[i + 3];
    if (y0 > py !== y1 > py && px < ((x1 - x0) * (py - y0)) / (y1 - y0) + x0) inside = !inside;
  }
  return inside;
}

export function assembleRings(edges: number[]): PixelPolygon[] {
  const edgeCount = edges.length / 4;
  const outgoing = new Map<number, number[]>();
  for (let e = 0; e < edgeCount; e++) {
    const key = keyOf(edges[e * 4], edges[e * 4 + 1]);
    const list = outgoing.get(key);
    if (list) list.push(e);
    else outgoing.set(key, [e]);
  }
  const used = new Uint8Array(edgeCount);
  const loops: Ring[] = [];

  const nextEdge = (key: number, dx: number, dy: number): number => {
    const list = outgoing.get(key);
    if (!list) return -1;
    let choice = -1;
    for (const e of list) {
      if (used[e]) continue;
      if (choice < 0) choice = e;
      // Right turn (y down): direction (dx, dy) → (−dy, dx).
      const ex = Math.sign(edges[e * 4 + 2] - edges[e * 4]);
      const ey = Math.sign(edges[e * 4 + 3] - edges[e * 4 + 1]);
      if (ex === -dy && ey === dx) return e;
    }
    return choice;
  };

  for (let first = 0; first < edgeCount; first++) {
    if (used[first]) continue;
    const path: number[] = [edges[first * 4], edges[first * 4 + 1]];
    const position = new Map<number, number>([[keyOf(path[0], path[1]), 0]]);
    let edge = first;
    while (edge >= 0) {
      used[edge] = 1;
      const x = edges[edge * 4 + 2];
      const y = edges[edge * 4 + 3];
      const key = keyOf(x, y);
      const seen = position.get(key);
      if (seen !== undefined) {
        const loop = path.slice(seen * 2);
        for (let i = seen + 1; i < path.length / 2; i++) position.delete(keyOf(path[i * 2], path[i * 2 + 1]));
        path.length = (seen + 1) * 2;
        if (loop.length >= 6) loops.push(withoutCollinear(loop));
      } else {
        position.set(key, path.length / 2);
        path.push(x, y);
      }
      edge = nextEdge(key, Math.sign(x - edges[edge * 4]), Math.sign(y - edges[edge * 4 + 1]));
    }
  }

  const shells: Ring[] = [];
  const holes: Ring[] = [];
  for (const loop of loops) (ringArea2(loop) > 0 ? shells : holes).push(loop);
  const polygons: PixelPolygon[] = shells.map((shell) => ({ shell, holes: [] }));
  if (polygons.length === 1) polygons[0].holes.push(...holes);
  else {
    // Several shells in one component should not happen with 4-connectivity; place holes by containment anyway.
    for (const hole of holes) {
      const [mx, my] = [(hole[0] + hole[2]) / 2, (hole[1] + hole[3]) / 2];
      const owner = polygons.filter((p) => pointInRing(mx, my, p.shell)).sort((a, b) => ringArea2(a.shell) - ringArea2(b.shell))[0];
      (owner ?? polygons[0])?.holes.push(hole);
    }
  }
  return polygons;
}
