/** TypeScript side of test/helpers/vector_judge.py: GDAL/numpy references for pixel areas, water areas and polygons. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SYSTEM_PYTHON } from './python-reference.ts';

const JUDGE = join(import.meta.dirname, 'vector_judge.py');

function runJudge<T>(args: string[]): T {
  return JSON.parse(execFileSync(SYSTEM_PYTHON, [JUDGE, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })) as T;
}

export interface ReferenceAreas {
  /** m² of one pixel, per row. */
  rows: number[];
  water: number;
  valid: number;
  whole: number;
  /** VV < −18 dB over valid pixels, when a VV file was given. */
  predicted?: number;
}

/** Reference areas (m²) of labels, optionally with a VV file each; keyed by label path. */
export function referenceAreas(labels: { label: string; vv?: string }[]): Map<string, ReferenceAreas> {
  const pairs = labels.map(({ label, vv }) => (vv ? `${label}:${vv}` : label));
  const result = runJudge<Record<string, ReferenceAreas>>(['areas', ...pairs]);
  return new Map(labels.map(({ label }, i) => [label, result[pairs[i]]]));
}

export interface JudgedVectors {
  maskWaterM2: number;
  maskWaterPixels: number;
  gdalPolygons: number;
  gdalPolygonsAtLeastMin: number;
  files: Record<string, { features: number; invalid: number; areaM2: number; epsg: string; driver: string; gpkgErrors?: string[] }>;
}

export const judgeVectors = (mask: string, minPixels: number, files: string[]): JudgedVectors => runJudge(['judge', mask, String(minPixels), ...files]);

/** Tiles real labels into one `width`×`height` uint8 mask (1/0/255) on the first label's grid. */
export function buildMosaic(out: string, width: number, height: number, labels: string[]): void {
  execFileSync(SYSTEM_PYTHON, [JUDGE, 'mosaic', out, String(width), String(height), ...labels]);
}
