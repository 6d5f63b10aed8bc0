/** Small display helpers shared by the panels. */
export const percent = (fraction: number, digits = 1) => `${(fraction * 100).toFixed(digits)} %`;

/** "1 chip", "3 chips". */
export const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export const chipSize = (chip: { width: number | null; height: number | null }) =>
  chip.width !== null && chip.height !== null ? `${chip.width}×${chip.height}` : '—';

export const epsgLabel = (epsg: number | null) => (epsg === null ? 'custom CRS' : `EPSG:${epsg}`);

export const degrees = (value: number, positive: string, negative: string) =>
  `${Math.abs(value).toFixed(4)}° ${value >= 0 ? positive : negative}`;

/** Areas: "0.042 km²", "12.3 km²", "1,234 km²". */
export const formatKm2 = (km2: number) =>
  `${km2 < 1 ? km2.toFixed(3) : km2 < 100 ? km2.toFixed(1) : Math.round(km2).toLocaleString('en')} km²`;
