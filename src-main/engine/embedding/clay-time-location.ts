/** Clay v1.5 `time` and `latlon` inputs (Clay's `normalize_timestamp` / `normalize_latlon`). */

/** ISO 8601 week number of a UTC date (Python's `date.isocalendar().week`). */
export function isoWeek(date: Date): number {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = d.getUTCDay() || 7; // Monday 1 … Sunday 7
  d.setUTCDate(d.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
}

/**
 * [sin week, cos week, sin hour, cos hour] with week = isoweek·2π/52 and hour = hour·2π/24.
 * A date without a time means noon (stacchip's convention).
 */
export function clayV15Time(isoDateTime: string): [number, number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}))?/.exec(isoDateTime);
  if (!match) throw new Error(`not an ISO date: ${isoDateTime}`);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  const hour = match[4] === undefined ? 12 : Number(match[4]);
  const week = (isoWeek(date) * 2 * Math.PI) / 52;
  const h = (hour * 2 * Math.PI) / 24;
  return [Math.sin(week), Math.cos(week), Math.sin(h), Math.cos(h)];
}

/**
 * Clay v1.5 `latlon`. `training` order is what pre-training chips held — [sin lon, cos lon, sin lat, cos lat]
 * (stacchip's prechip unpacks normalize_latlon as `lon_norm, lat_norm`); `tutorial` is the order of Clay's
 * inference notebooks, [sin lat, cos lat, sin lon, cos lon]. See ../shared/fixtures/clay-v1.5/README.md.
 */
export function clayV15LatLon(lonDegrees: number, latDegrees: number, order: 'training' | 'tutorial'): [number, number, number, number] {
  const lat = (latDegrees * Math.PI) / 180;
  const lon = (lonDegrees * Math.PI) / 180;
  const latPair = [Math.sin(lat), Math.cos(lat)];
  const lonPair = [Math.sin(lon), Math.cos(lon)];
  return (order === 'training' ? [...lonPair, ...latPair] : [...latPair, ...lonPair]) as [number, number, number, number];
}
