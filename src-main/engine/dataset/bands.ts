import { CANONICAL_BANDS, type CanonicalBand } from '../../api/dataset.ts';

const ALIASES: Record<string, CanonicalBand> = {
  DEM: 'DEM',
  ELEVATION: 'DEM',
  HEIGHT: 'DEM',
  COPDEM: 'DEM',
  VV: 'VV',
  VH: 'VH',
  SIGMA0_VV: 'VV',
  SIGMA0_VH: 'VH',
  GAMMA0_VV: 'VV',
  GAMMA0_VH: 'VH',
  BLUE: 'B02',
  GREEN: 'B03',
  RED: 'B04',
  NIR: 'B08',
  NIR08: 'B8A',
  NARROW_NIR: 'B8A',
  REDEDGE1: 'B05',
  REDEDGE2: 'B06',
  REDEDGE3: 'B07',
  SWIR16: 'B11',
  SWIR22: 'B12',
  COASTAL: 'B01',
  WATERVAPOR: 'B09',
  CIRRUS: 'B10',
};

/** Maps a band description/name ("B1", "b08", "B8A", "vv", "elevation") to a canonical name, or null. */
export function canonicalBandName(raw: string | null | undefined): CanonicalBand | null {
  if (!raw) return null;
  const text = raw
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  const sentinel2 = /^(?:S2_?)?B0?(\d{1,2})(A?)$/.exec(text);
  if (sentinel2) {
    const name = sentinel2[2] ? `B${sentinel2[1].padStart(1, '0')}A` : `B${sentinel2[1].padStart(2, '0')}`;
    return (CANONICAL_BANDS as readonly string[]).includes(name) ? (name as CanonicalBand) : null;
  }
  return ALIASES[text] ?? ALIASES[text.replace(/^S1_?/, '')] ?? null;
}

export const S1_BANDS: readonly CanonicalBand[] = ['VV', 'VH'];
export const isS1Band = (band: CanonicalBand | null) => band === 'VV' || band === 'VH';

/** Band order of Sen1Floods11's S2Hand files (documented by the dataset; used only when a file has no descriptions). */
export const SEN1FLOODS11_S2_BANDS: CanonicalBand[] = [
  'B01',
  'B02',
  'B03',
  'B04',
  'B05',
  'B06',
  'B07',
  'B08',
  'B8A',
  'B09',
  'B10',
  'B11',
  'B12',
];
export const SEN1FLOODS11_S1_BANDS: CanonicalBand[] = ['VV', 'VH'];
