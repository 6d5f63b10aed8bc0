/** Polygonises a mask GeoTIFF (value 1 = water) by streaming its rows; components go to `onComponent` as they close. */
import { pixelAreaM2ByRow } from '../geo/pixel-area.ts';
import { MaskPolygoniser, type WaterComponent } from './polygonise.ts';
import { maskRows, readMaskGrid } from './mask-rows.ts';

export interface PolygoniseProgress {
  rowsDone: number;
  height: number;
}

export async function polygoniseMask(
  file: string,
  onComponent: (component: WaterComponent) => void | Promise<void>,
  options: { signal?: AbortSignal; onProgress?: (progress: PolygoniseProgress) => void } = {},
): Promise<void> {
  const { grid } = await readMaskGrid(file);
  const closed: WaterComponent[] = [];
  const polygoniser = new MaskPolygoniser(grid.width, pixelAreaM2ByRow(grid), (component) => closed.push(component));
  const drain = async () => {
    for (const component of closed.splice(0)) await onComponent(component);
  };
  for await (const [row, values] of maskRows(file, { signal: options.signal })) {
    polygoniser.pushRow(values);
    await drain();
    if ((row + 1) % 256 === 0 || row + 1 === grid.height) options.onProgress?.({ rowsDone: row + 1, height: grid.height });
  }
  polygoniser.finish();
  await drain();
}
