/**
 * Print: the current map view as a PNG page with title, legend, scale bar, north arrow, attribution and the
 * mapped runs' metrics. Drawn on a 2D canvas from the map's WebGL canvas (kept with preserveDrawingBuffer).
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { LegendEntry } from './visible-legend.ts';
import { PRINT_COLOURS } from './map-colours.ts';

export interface PrintContent {
  title: string;
  subtitle: string;
  legend: LegendEntry[];
  /** Lines about the runs: which run, its metrics. */
  metrics: string[];
}

export interface PrintResult {
  blob: Blob;
  width: number;
  height: number;
  /** Where each legend swatch was painted (page pixels), so a test can check the legend is really there. */
  swatches: { x: number; y: number; colour: string }[];
}

const SIDE = 300;
const HEAD = 64;
const FOOT = 34;
const PAD = 14;

/** A round length (1, 2 or 5 × 10ⁿ metres) about a fifth of the map's width, and its length in CSS pixels. */
export function scaleBar(map: MaplibreMap, maxPixels: number): { metres: number; pixels: number } {
  const centre = map.getCenter();
  const metresPerPixel = (40075016.686 * Math.cos((centre.lat * Math.PI) / 180)) / (512 * 2 ** map.getZoom());
  const max = maxPixels * metresPerPixel;
  const power = 10 ** Math.floor(Math.log10(max));
  const metres = [5, 2, 1].map((k) => k * power).find((m) => m <= max) ?? power;
  return { metres, pixels: metres / metresPerPixel };
}

const attributionText = (map: MaplibreMap): string => {
  const sources = map.getStyle().sources ?? {};
  const visibleSources = new Set(
    (map.getStyle().layers ?? [])
      .filter((l) => 'source' in l && map.getLayoutProperty(l.id, 'visibility') !== 'none')
      .map((l) => (l as { source: string }).source),
  );
  const texts = Object.entries(sources)
    .filter(([id, s]) => visibleSources.has(id) && 'attribution' in s && s.attribution)
    .map(([, s]) => String((s as { attribution: string }).attribution).replace(/<[^>]+>/g, ''));
  return ['© Floodlens', ...new Set(texts), 'Sentinel-1/2: Copernicus, ESA'].join(' · ');
};

export async function printMap(map: MaplibreMap, content: PrintContent): Promise<PrintResult> {
  const source = map.getCanvas();
  const scale = source.width / source.clientWidth || 1;
  const mapWidth = source.width;
  const mapHeight = source.height;
  const width = mapWidth + Math.round(SIDE * scale);
  const height = mapHeight + Math.round((HEAD + FOOT) * scale);
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d')!;
  g.scale(scale, scale);
  const W = width / scale;
  const H = height / scale;
  const mapW = mapWidth / scale;
  const mapH = mapHeight / scale;
  g.fillStyle = PRINT_COLOURS.paper;
  g.fillRect(0, 0, W, H);

  // Title.
  g.fillStyle = PRINT_COLOURS.title;
  g.font = 'bold 20px system-ui, sans-serif';
  g.fillText(content.title, PAD, 28, W - 2 * PAD);
  g.fillStyle = PRINT_COLOURS.muted;
  g.font = '13px system-ui, sans-serif';
  g.fillText(content.subtitle, PAD, 50, W - 2 * PAD);

  // The map, framed.
  g.drawImage(source, 0, 0, mapWidth, mapHeight, 0, HEAD, mapW, mapH);
  g.strokeStyle = PRINT_COLOURS.frame;
  g.lineWidth = 1;
  g.strokeRect(0.5, HEAD + 0.5, mapW - 1, mapH - 1);

  // Scale bar (bottom left of the map).
  const bar = scaleBar(map, mapW / 4);
  const bx = PAD;
  const by = HEAD + mapH - 18;
  g.fillStyle = PRINT_COLOURS.veil;
  g.fillRect(bx - 6, by - 18, bar.pixels + 12, 28);
  g.fillStyle = PRINT_COLOURS.mark;
  g.fillRect(bx, by, bar.pixels / 2, 5);
  g.strokeStyle = PRINT_COLOURS.mark;
  g.strokeRect(bx, by, bar.pixels, 5);
  g.font = '11px system-ui, sans-serif';
  g.fillText(bar.metres >= 1000 ? `${bar.metres / 1000} km` : `${bar.metres} m`, bx, by - 5);

  // North arrow (top right of the map), turned with the map's bearing.
  g.save();
  g.translate(mapW - 30, HEAD + 38);
  g.rotate((-map.getBearing() * Math.PI) / 180);
  g.fillStyle = PRINT_COLOURS.veil;
  g.beginPath();
  g.arc(0, 0, 20, 0, 2 * Math.PI);
  g.fill();
  g.fillStyle = PRINT_COLOURS.mark;
  g.beginPath();
  g.moveTo(0, -15);
  g.lineTo(8, 10);
  g.lineTo(0, 5);
  g.lineTo(-8, 10);
  g.closePath();
  g.fill();
  g.font = 'bold 10px system-ui, sans-serif';
  g.fillText('N', -3.5, -17 + 30);
  g.restore();

  // Legend and metrics (right column).
  const swatches: PrintResult['swatches'] = [];
  let y = HEAD + 4;
  const x = mapW + PAD;
  g.fillStyle = PRINT_COLOURS.title;
  g.font = 'bold 14px system-ui, sans-serif';
  g.fillText('Legend', x, (y += 14));
  for (const entry of content.legend) {
    g.fillStyle = PRINT_COLOURS.heading;
    g.font = 'bold 12px system-ui, sans-serif';
    g.fillText(entry.title, x, (y += 20), SIDE - 2 * PAD);
    g.font = '12px system-ui, sans-serif';
    for (const item of entry.items) {
      y += 17;
      g.fillStyle = item.colour;
      g.fillRect(x, y - 10, 12, 12);
      g.strokeStyle = PRINT_COLOURS.swatchEdge;
      g.strokeRect(x + 0.5, y - 9.5, 11, 11);
      swatches.push({ x: Math.round((x + 6) * scale), y: Math.round((y - 4) * scale), colour: item.colour });
      g.fillStyle = PRINT_COLOURS.text;
      g.fillText(item.label, x + 18, y, SIDE - 2 * PAD - 18);
    }
  }
  if (content.metrics.length > 0) {
    g.fillStyle = PRINT_COLOURS.title;
    g.font = 'bold 14px system-ui, sans-serif';
    g.fillText('Metrics', x, (y += 30));
    g.font = '12px system-ui, sans-serif';
    g.fillStyle = PRINT_COLOURS.text;
    for (const line of content.metrics) for (const part of wrap(g, line, SIDE - 2 * PAD)) g.fillText(part, x, (y += 16));
  }

  // Attribution (bottom).
  g.fillStyle = PRINT_COLOURS.muted;
  g.font = '11px system-ui, sans-serif';
  g.fillText(attributionText(map), PAD, H - 12, W - 2 * PAD);
  return { blob: await canvas.convertToBlob({ type: 'image/png' }), width, height, swatches };
}

function wrap(g: OffscreenCanvasRenderingContext2D, text: string, maxWidth: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (g.measureText(next).width > maxWidth && line) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}
