import type { CanonicalBand } from '../../api/dataset.ts';

/** Clay v0 input band order (datacube order; radar is VH then VV). */
export const CLAY_V0_BANDS: CanonicalBand[] = ['B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B11', 'B12', 'VH', 'VV', 'DEM'];

/**
 * Clay v0 normalisation statistics, S1 as linear power. Source: Clay-foundation/model, `ClayDataModule.MEAN/STD`
 * in src/datamodule.py (v0.0.1, linked from the v0 model card "Normalization parameters"; identical lists in
 * src/datamodule_eval.py used for the c2smsfloods finetune). The model card labels index 10 "VV" and 11 "VH",
 * but the v0 datacubes store index 10 = VH and 11 = VV, and the values fit that (VH backscatter is the weaker:
 * mean 0.026 vs 0.118), so the lists are applied in datacube order.
 */
export const CLAY_V0_MEAN = [1369.03, 1597.68, 1741.1, 2053.58, 2569.82, 2763.01, 2858.43, 2893.86, 2303.0, 1807.79, 0.026, 0.118, 499.46];
export const CLAY_V0_STD = [2026.96, 2011.88, 2146.35, 2138.96, 2003.27, 1962.45, 2016.38, 1917.12, 1679.88, 1568.06, 0.118, 0.873, 880.35];
