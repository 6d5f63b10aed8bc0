/** Bad raster input or an impossible write; `target` names the file (or `<memory>` for encodeGeoTiff). */
export class GeoTiffWriteError extends Error {
  override readonly name = 'GeoTiffWriteError';
  constructor(
    readonly target: string,
    readonly problem: string,
  ) {
    super(`${target}: ${problem}`);
  }
}
