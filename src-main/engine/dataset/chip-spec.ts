import type { CanonicalBand, ChipLayout, LabelEncoding, S1Units } from '../../api/dataset.ts';
import type { ChipReadError } from '../geo/errors.ts';

/** One image file of a chip and what the layout/manifest says about its bands. */
export interface ChipSource {
  file: string;
  /** Names by band position when the layout/manifest defines them; null = rely on band descriptions. */
  bandNames: (CanonicalBand | null)[] | null;
  /** True when `bandNames` must win over the file's descriptions (manifest, or per-band file names). */
  namesAreExplicit: boolean;
  /** Band count the layout/manifest requires, or null when any count is acceptable. */
  expectedBandCount: number | null;
}

/** A chip as found on disk, before any file is opened. */
export interface ChipSpec {
  id: string;
  layout: ChipLayout;
  sources: ChipSource[];
  label: { file: string; encoding: LabelEncoding } | null;
  date: string | null;
  dateSource: 'manifest' | 'sen1floods11-event-table' | null;
  s1Units: S1Units | null;
  /** Problems found while matching files (e.g. a file the manifest names is missing). */
  errors: ChipReadError[];
}
