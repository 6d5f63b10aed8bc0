import type { RasterDtype } from './raster-input.ts';

/** GDAL_NODATA (42113) text: GDAL parses it with CPLAtof; NaN and infinities have their own spelling. */
export function gdalNodataText(nodata: number, dtype: RasterDtype): string {
  if (Number.isNaN(nodata)) return 'nan';
  if (nodata === Infinity) return 'inf';
  if (nodata === -Infinity) return '-inf';
  // float32 pixels hold fround(nodata); write exactly that value so readers' equality tests match
  return String(dtype === 'float32' ? Math.fround(nodata) : nodata);
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** GDAL escapes item values once itself and once more when serialising the XML; it unescapes both on read. */
const gdalItemValue = (text: string): string => escapeXml(escapeXml(text));

/** GDAL_METADATA (42112) XML, as GDAL writes it; undefined when there is nothing to store. */
export function gdalMetadataXml(descriptions?: readonly string[], metadata?: Readonly<Record<string, string>>): string | undefined {
  const items: string[] = [];
  for (const [name, value] of Object.entries(metadata ?? {})) {
    items.push(`  <Item name="${escapeXml(name)}">${gdalItemValue(String(value))}</Item>`);
  }
  (descriptions ?? []).forEach((text, band) => {
    if (text !== '') items.push(`  <Item name="DESCRIPTION" sample="${band}" role="description">${gdalItemValue(text)}</Item>`);
  });
  if (items.length === 0) return undefined;
  return `<GDALMetadata>\n${items.join('\n')}\n</GDALMetadata>\n`;
}
