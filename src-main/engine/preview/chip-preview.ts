/** `chip.preview`: a chip layer as a PNG on a Web Mercator grid, with its corners for maplibre. */
import type { ChipInfo } from '../../api/dataset.ts';
import { dbToCode, LABEL_COLOURS, rgbHex, type ChipGrid, type ChipPreview, type PreviewLayer } from '../../api/preview.ts';
import { ChipReadError } from '../geo/errors.ts';
import { readChip } from '../dataset/read.ts';
import { labelColours, s1FalseColour, s2TrueColour, S1_STRETCH_DB } from './colourise.ts';
import { encodePng } from './png.ts';
import { applyIndexMap, mercatorGridFor, sourceIndexMap } from './warp.ts';

export function chipGridOf(chip: ChipInfo): ChipGrid {
  const file = chip.files[0] ?? chip.id;
  if (chip.width === null || chip.height === null) throw new ChipReadError('corrupt-tiff', file, `chip ${chip.id} has no readable image`);
  if (chip.proj4 === null) throw new ChipReadError('no-crs', file, `chip ${chip.id} has no CRS`);
  if (chip.geoTransform === null) throw new ChipReadError('no-georeference', file, `chip ${chip.id} has no geotransform`);
  return { id: chip.id, proj4: chip.proj4, geoTransform: chip.geoTransform, width: chip.width, height: chip.height };
}

/** R = VV, G = VH as dB codes, B = label, A = 255 (see ChipPreviewSchema.valuesPngBase64). */
function s1Values(
  vv: Float32Array | null,
  vh: Float32Array | null,
  units: 'dB' | 'linear',
  label: { water: Uint8Array; valid: Uint8Array } | null,
  plane: number,
): Uint8Array {
  const db = (band: Float32Array | null, i: number) =>
    band === null ? Number.NaN : units === 'linear' ? (band[i] > 0 ? 10 * Math.log10(band[i]) : Number.NaN) : band[i];
  const out = new Uint8Array(plane * 4);
  for (let i = 0; i < plane; i++) {
    const labelCode = label && label.valid[i] !== 0 ? label.water[i] : 255;
    out.set([dbToCode(db(vv, i)), dbToCode(db(vh, i)), labelCode, 255], i * 4);
  }
  return out;
}

async function sourceRgba(
  chip: ChipInfo,
  layer: PreviewLayer,
): Promise<{ rgba: Uint8Array; legend: ChipPreview['legend']; values?: Uint8Array }> {
  const file = chip.files[0] ?? chip.id;
  if (layer === 'label') {
    if (!chip.label) throw new ChipReadError('missing-file', file, `chip ${chip.id} has no label`);
    const raster = await readChip(chip, { bands: [] });
    if (!raster.label) throw new ChipReadError('missing-file', chip.label.file, `chip ${chip.id}: the label could not be read`);
    return {
      rgba: labelColours(raster.label.water, raster.label.valid),
      legend: [
        { label: 'water', colour: rgbHex(LABEL_COLOURS.water) },
        { label: 'not water', colour: rgbHex(LABEL_COLOURS.notWater) },
        { label: 'not valid', colour: rgbHex(LABEL_COLOURS.notValid) },
      ],
    };
  }
  const plane = planeOf(chip);
  if (layer === 's1') {
    // The label is read too, for the pixel readout; a chip whose label cannot be read still shows its image.
    const raster = await readChip(chip, { bands: ['VV', 'VH'] }).catch(() => readChip({ ...chip, label: null }, { bands: ['VV', 'VH'] }));
    if (!raster.present[0] && !raster.present[1]) throw new ChipReadError('unknown-band', file, `chip ${chip.id} has no VV or VH band`);
    const vv = raster.present[0] ? raster.pixels.subarray(0, plane) : null;
    const vh = raster.present[1] ? raster.pixels.subarray(plane, 2 * plane) : null;
    return {
      values: s1Values(vv, vh, chip.s1Units ?? 'dB', raster.label, plane),
      rgba: s1FalseColour(vv, vh, chip.s1Units ?? 'dB', plane),
      legend: [
        { label: `red: VV ${S1_STRETCH_DB.vv.join('…')} dB`, colour: '#ff0000' },
        { label: `green: VH ${S1_STRETCH_DB.vh.join('…')} dB`, colour: '#00ff00' },
        { label: `blue: VV−VH ${S1_STRETCH_DB.ratio.join('…')} dB`, colour: '#0000ff' },
      ],
    };
  }
  const raster = await readChip({ ...chip, label: null }, { bands: ['B04', 'B03', 'B02'] });
  if (!raster.present.every(Boolean)) throw new ChipReadError('unknown-band', file, `chip ${chip.id} lacks one of B04, B03, B02`);
  const band = (k: number) => raster.pixels.subarray(k * plane, (k + 1) * plane);
  return {
    rgba: s2TrueColour(band(0), band(1), band(2), plane),
    legend: [{ label: 'true colour (B04, B03, B02), 2–98 % stretch', colour: '#888888' }],
  };
}

function planeOf(chip: ChipInfo): number {
  return (chip.width ?? 0) * (chip.height ?? 0);
}

const isGeographic = (proj: string) => /\+proj=longlat\b/.test(proj);

/** Renders one layer of a chip; throws ChipReadError naming the file when the chip cannot provide it. */
export async function chipPreview(chip: ChipInfo, layer: PreviewLayer): Promise<ChipPreview> {
  const grid = chipGridOf(chip);
  const { rgba, legend, values } = await sourceRgba(chip, layer);
  const target = mercatorGridFor(grid, isGeographic(grid.proj4));
  const indexMap = sourceIndexMap(grid, target);
  const png = (source: Uint8Array) => encodePng(target.width, target.height, applyIndexMap(source, indexMap)).toString('base64');
  const preview: ChipPreview = {
    id: chip.id,
    layer,
    pngBase64: png(rgba),
    width: target.width,
    height: target.height,
    corners: target.corners,
    legend,
  };
  if (values) preview.valuesPngBase64 = png(values);
  return preview;
}
