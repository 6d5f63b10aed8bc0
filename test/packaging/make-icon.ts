/**
 * Draws the app icon, resources/icon.png (512×512 RGBA): a blue water drop over a grey map grid, with a
 * lens ring. Run `npx tsx test/packaging/make-icon.ts` to redraw it; the result is committed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../src-main/engine/preview/png.ts';

export const ICON_SIZE = 512;

export function drawIcon(size = ICON_SIZE): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  const c = size / 2;
  const put = (i: number, [r, g, b]: readonly number[], a = 255) => {
    rgba[i] = r;
    rgba[i + 1] = g;
    rgba[i + 2] = b;
    rgba[i + 3] = a;
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const r = Math.hypot(x - c + 0.5, y - c + 0.5);
      if (r > size * 0.48) continue; // transparent outside the round badge
      const grid = (x % (size / 8) < 3 || y % (size / 8) < 3) && r < size * 0.4;
      put(i, grid ? [176, 190, 200] : [243, 240, 232]);
      // Water drop: a circle plus a triangle pointing up.
      const dx = (x - c) / size;
      const dy = (y - c) / size;
      const inBody = Math.hypot(dx, dy - 0.06) < 0.2;
      const inTip = dy < 0.06 && dy > -0.3 && Math.abs(dx) < (dy + 0.3) * 0.55;
      if (inBody || inTip) put(i, [0, 114, 178]);
      // Lens ring.
      if (r > size * 0.42 && r <= size * 0.48) put(i, [40, 56, 70]);
    }
  }
  return rgba;
}

if (process.argv[1] && process.argv[1].endsWith('make-icon.ts')) {
  const file = join(import.meta.dirname, '../../resources/icon.png');
  writeFileSync(file, encodePng(ICON_SIZE, ICON_SIZE, drawIcon()));
  console.log(`wrote ${file}`);
}
