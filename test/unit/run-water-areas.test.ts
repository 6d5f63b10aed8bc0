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
import { hasRasterio } from '../helpers/python-reference.ts';
import { referenceAreas } from '../helpers/vector-judge.ts';

reportSkippedWithoutShared('evaluation water areas');

describe.skipIf(!hasShared || !hasRasterio)('water areas of evaluated chips', () => {
  it('per chip and total km² match numpy + PROJ to 1e-9 (relative)', async () => {
    const chips = [
      ...labelledChips(await inspectDataset(sharedData('sen1floods11', 's1_label'))),
      ...labelledChips(await inspectDataset(sharedData('c2smsfloods-s1'))),
    ];
    expect(chips.length).toBeGreaterThanOrEqual(8);
    const vvFile = (files: string[]) => files.find((f) => /_vv\.tif$/i.test(f)) ?? files[0];
    const reference = referenceAreas(chips.map((chip) => ({ label: chip.labelFile!, vv: vvFile(chip.files) })));
    const areas = [];
    for (const chip of chips) {
      const [labelValues] = await readBands(chip.labelFile!);
      const { water, valid } = labelMasks(labelValues, chip.label!.encoding);
      const [vv] = await readBands(vvFile(chip.files), [0]);
      const nodata = chip.bandDetails[0]?.nodata ?? null;
      const mask = Uint8Array.from(vv, (v) => (Number.isNaN(v) || v === nodata ? 255 : v < -18 ? 1 : 0));
      const area = chipWaterArea(chip, mask, water, valid)!;
      const expected = reference.get(chip.labelFile!)!;
      const close = (km2: number, m2: number) => (m2 === 0 ? km2 === 0 : Math.abs((km2 * 1e6) / m2 - 1) < 1e-9);
      expect(close(area.labelWaterKm2, expected.water), `${chip.id} label ${area.labelWaterKm2} vs ${expected.water}`).toBe(true);
      expect(close(area.predictedWaterKm2, expected.predicted!), `${chip.id} predicted ${area.predictedWaterKm2} vs ${expected.predicted}`).toBe(true);
      expect(close(area.validAreaKm2, expected.valid), `${chip.id} valid`).toBe(true);
      areas.push(area);
    }
    const total = totalWaterAreas(areas).total;
    expect(total.chips).toBe(chips.length);
    const expectedLabel = [...reference.values()].reduce((sum, r) => sum + r.water, 0);
    expect(Math.abs((total.labelWaterKm2 * 1e6) / expectedLabel - 1)).toBeLessThan(1e-9);
  });
});
