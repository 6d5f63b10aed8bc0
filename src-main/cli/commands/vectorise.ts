import { basename } from 'node:path';
import { VECTOR_FORMATS, VectorFormatSchema, VectorOptionsSchema, type VectorFormat, type VectorOptions } from '../../api/vector.ts';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, numberOption, option, parseArgs, requiredPathOption, UsageError, type ParsedArgs } from '../args.ts';
import { runCliJob } from '../job-runner.ts';

/** `--vector gpkg,geojson`: a comma list of formats, each once. Shared with `predict --vector`. */
export function vectorFormatsOption(raw: string | undefined, fallback: VectorFormat[]): VectorFormat[] {
  if (raw === undefined) return fallback;
  const formats = raw.split(',').map((part) => part.trim());
  for (const format of formats) {
    if (!VectorFormatSchema.safeParse(format).success)
      throw new UsageError(`--vector takes ${VECTOR_FORMATS.join(', ')} (comma-separated), got "${raw}"`);
  }
  if (new Set(formats).size !== formats.length) throw new UsageError(`--vector names a format twice: "${raw}"`);
  return formats as VectorFormat[];
}

/** `--vector`, `--min-pixels`, `--simplify` as VectorOptions; undefined when neither --vector nor a fallback format is given. */
export function vectorOptions(args: ParsedArgs, fallback: VectorFormat[] = []): VectorOptions | undefined {
  const formats = vectorFormatsOption(option(args, 'vector'), fallback);
  if (formats.length === 0) {
    for (const name of ['min-pixels', 'simplify'])
      if (option(args, name) !== undefined) throw new UsageError(`--${name} shapes polygons: give --vector gpkg,geojson too`);
    return undefined;
  }
  const shape = VectorOptionsSchema.shape;
  return {
    formats,
    minPixels: numberOption(args, 'min-pixels', 1, shape.minPixels.unwrap()),
    simplify: numberOption(args, 'simplify', 0, shape.simplify.unwrap()),
  };
}

export const VECTOR_USAGE = `[--vector ${VECTOR_FORMATS.join(',')}] [--min-pixels N] [--simplify T]`;

export const vectoriseCommand: CliCommand = {
  path: ['vectorise'],
  summary: 'water polygons (holes kept, with km²) of a water mask GeoTIFF as GeoPackage and/or GeoJSON',
  usage: `floodlens vectorise --mask <mask.tif> --out <dir> [--vector ${VECTOR_FORMATS.join(',')}] [--min-pixels N] [--simplify T] [--stem NAME] [--json]
  Mask values: 1 water, 0 dry, anything else no data. Polygons are 4-connected, as gdal_polygonize.
  --min-pixels N  drop polygons of fewer than N water pixels (default 1: keep all)
  --simplify T    Douglas–Peucker tolerance in pixels, polygons kept valid (default 0: exact pixel outlines)
  Writes <out>/<stem>_water.gpkg (the mask's CRS) and/or <stem>_water.geojson (WGS84); stem defaults to the mask's name.`,
  async run(argv, io) {
    const args = parseArgs(argv, ['json']);
    assertKnownOptions(args, ['mask', 'out', 'vector', 'min-pixels', 'simplify', 'stem', 'json']);
    const { formats, minPixels, simplify } = vectorOptions(args, ['gpkg', 'geojson'])!;
    const maskPath = requiredPathOption(args, 'mask', 'existing-file');
    const outDir = requiredPathOption(args, 'out', 'folder-or-new');
    const stem =
      option(args, 'stem') ??
      basename(maskPath)
        .replace(/\.tiff?$/i, '')
        .replace(/_mask$/, '');
    if (!/^[^/\\\0]+$/.test(stem)) throw new UsageError(`--stem must be a file name without folders, got "${stem}"`);
    const json = args.flags.has('json');
    const result = await runCliJob('vectorise', { maskPath, outDir, stem, options: { formats, minPixels, simplify } }, io, json);
    if (json) io.stdout(JSON.stringify(result, null, 2) + '\n');
    else {
      for (const file of Object.values(result.files)) io.stdout(`${file}\n`);
      io.stdout(
        `${result.features} water polygon(s), ${result.featureAreaKm2.toFixed(4)} km² (mask water ${result.maskWaterAreaKm2.toFixed(4)} km²)` +
          `${result.droppedFeatures > 0 ? `; ${result.droppedFeatures} under ${minPixels} px dropped` : ''}; ${result.vertices} vertices\n`,
      );
    }
    return 0;
  },
};
