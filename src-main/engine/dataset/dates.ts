/**
 * Sen1Floods11 event dates (Sentinel-1 acquisition, and Sentinel-2 where it differs), keyed by region as
 * it appears in chip ids (`<Region>_<n>`). Source: ../shared/data/README.md.
 */
const SEN1FLOODS11_EVENTS: Record<string, { s1: string; s2?: string }> = {
  Spain: { s1: '2019-09-17', s2: '2019-09-18' },
  Ghana: { s1: '2018-09-18' },
  India: { s1: '2016-08-12' },
  Mekong: { s1: '2018-08-05' },
  Nigeria: { s1: '2018-09-21' },
  Pakistan: { s1: '2017-06-28' },
  Paraguay: { s1: '2018-10-31' },
  Somalia: { s1: '2018-05-07' },
};

/** Event date for a Sen1Floods11-style chip id, S1 date unless only S2 is present. */
export function sen1floods11Date(chipId: string, hasS1: boolean): string | null {
  const match = /^([A-Za-z-]+)_\d+/.exec(chipId);
  const event = match ? SEN1FLOODS11_EVENTS[match[1]] : undefined;
  if (!event) return null;
  return hasS1 ? event.s1 : (event.s2 ?? event.s1);
}

/** A date from dataset-level GDAL metadata (`date`, `DATE`, TIFFTAG_DATETIME), as YYYY-MM-DD. */
export function dateFromMetadata(metadata: Record<string, string>): string | null {
  for (const key of ['date', 'DATE', 'acquisition_date', 'ACQUISITION_DATE', 'TIFFTAG_DATETIME']) {
    const value = metadata[key];
    const match = value ? /^(\d{4})[-:](\d{2})[-:](\d{2})/.exec(value.trim()) : null;
    if (match) return `${match[1]}-${match[2]}-${match[3]}`;
  }
  return null;
}
