/** Linear scales and "nice" ticks for the small SVG charts. */
export interface ChartSeries {
  label: string;
  colour: string;
  points: { x: number; y: number }[];
  /** Draw a dot at every point (sparse series such as one value per epoch). */
  dots?: boolean;
}

export function linearScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const span = d1 - d0 || 1;
  return (value) => range[0] + ((value - d0) / span) * (range[1] - range[0]);
}

export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export function extent(values: readonly number[], fallback: [number, number] = [0, 1]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return fallback;
  return [Math.min(...finite), Math.max(...finite)];
}
