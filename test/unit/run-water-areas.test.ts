/**
 * km² in evaluate/compare: predicted and labelled water over label-valid pixels of real chips (Sen1Floods11 in
 * EPSG:4326, C2S-MS in UTM), for a real predictor (VV < −18 dB), against rasterio + numpy + PROJ's equal-area cea.
 */
import { describe, expect, it } from 'vitest';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { labelMasks } from '../../src-main/engine/dataset/label.ts';
import { readBands } from '../../src-main/engine/geo/geotiff-file.ts';
import { chipWaterArea, totalWaterAreas } from '../../src-main/engine/run/water-areas.ts';
import { labelledChips } from '../../src-main/engine/inputs/chip-samples.ts';
import { hasShared, reportSkippedWithoutShared, sharedData } from '../helpers/shared.ts';
import { hasRasterio, runPythonJson } from '../helpers/python-reference.ts';

reportSkippedWithoutShared('evaluation water areas');

const REFERENCE = `
import json, sys
import numpy as np, rasterio
from osgeo import osr
out = {}
for label_path, vv_path in zip(sys.argv[1::2], sys.argv[2::2]):
    with rasterio.open(label_path) as src:
        label = src.read(1); t = src.transform; crs = src.crs; nodata = src.nodata
    with rasterio.open(vv_path) as src:
        vv = src.read(1).astype('float64')
        if src.nodata is not None and not np.isnan(src.nodata): vv[vv == src.nodata] = np.nan
    srs = osr.SpatialReference(); srs.ImportFromWkt(crs.to_wkt())
    if srs.IsGeographic():
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        cea = osr.SpatialReference(); cea.ImportFromProj4('+proj=cea +a=%r +rf=%r' % (srs.GetSemiMajor(), srs.GetInvFlattening()))
        cea.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        ct = osr.CoordinateTransformation(srs, cea)
        rows = []
        for r in range(label.shape[0]):
            (x0, y0, _), (x1, y1, _) = ct.TransformPoints([(t.c, t.f + r * t.e), (t.c + t.a, t.f + (r + 1) * t.e)])
            rows.append(abs((x1 - x0) * (y1 - y0)))
        rows = np.array(rows)
    else:
        rows = np.full(label.shape[0], abs(t.a * t.e - t.b * t.d))
    valid = (label == 0) | (label == 1)
    pred = np.nan_to_num(vv, nan=0.0) < -18
    pred &= ~np.isnan(vv)
    km2 = lambda m: float(((m & valid).sum(axis=1) * rows).sum() / 1e6)
    out[label_path] = {'predicted': km2(pred), 'label': km2(label == 1), 'valid': km2(np.ones_like(valid))}
print(json.dumps(out))
`;

describe.skipIf(!hasShared || !hasRasterio)('water areas of evaluated chips', () => {
  it('per chip and total km² match numpy + PROJ to 1e-9 (relative)', async () => {
    const chips = [
      ...labelledChips(await inspectDataset(sharedData('sen1floods11', 's1_label'))),
      ...labelledChips(await inspectDataset(sharedData('c2smsfloods-s1'))),
    ];
    expect(chips.length).toBeGreaterThanOrEqual(8);
    const vvFile = (files: string[]) => files.find((f) => /_vv\.tif$/i.test(f)) ?? files[0];
    const reference = runPythonJson<Record<string, { predicted: number; label: number; valid: number }>>(
      REFERENCE,
      chips.flatMap((chip) => [chip.labelFile!, vvFile(chip.files)]),
    );
    const areas = [];
    for (const chip of chips) {
      const [labelValues] = await readBands(chip.labelFile!);
      const { water, valid } = labelMasks(labelValues, chip.label!.encoding);
      const [vv] = await readBands(vvFile(chip.files), [0]);
      const nodata = chip.bandDetails[0]?.nodata ?? null;
      const mask = Uint8Array.from(vv, (v) => (Number.isNaN(v) || v === nodata ? 255 : v < -18 ? 1 : 0));
      const area = chipWaterArea(chip, mask, water, valid)!;
      const expected = reference[chip.labelFile!];
      const close = (a: number, b: number) => (b === 0 ? a === 0 : Math.abs(a / b - 1) < 1e-9);
      expect(close(area.labelWaterKm2, expected.label), `${chip.id} label ${area.labelWaterKm2} vs ${expected.label}`).toBe(true);
      expect(close(area.predictedWaterKm2, expected.predicted), `${chip.id} predicted ${area.predictedWaterKm2} vs ${expected.predicted}`).toBe(true);
      expect(close(area.validAreaKm2, expected.valid), `${chip.id} valid`).toBe(true);
      areas.push(area);
    }
    const total = totalWaterAreas(areas).total;
    expect(total.chips).toBe(chips.length);
    const expectedLabel = Object.values(reference).reduce((sum, r) => sum + r.label, 0);
    expect(Math.abs(total.labelWaterKm2 / expectedLabel - 1)).toBeLessThan(1e-9);
  });
});
