/** Spherical Web Mercator (EPSG:3857), the projection maplibre draws in. */
export const EARTH_RADIUS = 6378137;
const MAX_LAT = 85.05112878;

export function mercatorX(lon: number): number {
  return (EARTH_RADIUS * lon * Math.PI) / 180;
}

export function mercatorY(lat: number): number {
  const clamped = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat));
  return EARTH_RADIUS * Math.log(Math.tan(Math.PI / 4 + (clamped * Math.PI) / 360));
}

export function lonOfMercatorX(x: number): number {
  return (x / EARTH_RADIUS) * (180 / Math.PI);
}

export function latOfMercatorY(y: number): number {
  return (2 * Math.atan(Math.exp(y / EARTH_RADIUS)) - Math.PI / 2) * (180 / Math.PI);
}
