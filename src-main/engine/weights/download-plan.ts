import { bytesNeededFor, type ClayWeightsEntry } from './catalogue.ts';
import { formatBytes, formatNeeded, freeBytes } from './free-space.ts';

/** What a download of a catalogue entry will take, told before it starts. */
export interface DownloadPlan {
  /** `5.16 GB` (the release page's figure) or the verified exact size. */
  sizeLabel: string;
  /** False while size and SHA-256 are the documented figures, not verified by a download. */
  verified: boolean;
  /** File + encoder cache + slack, less what an interrupted download already holds. */
  neededBytes: number;
  /** Free bytes in the weights folder (statfs), null when it cannot be asked. */
  freeBytes: number | null;
  enough: boolean;
  /** One line for people: `5.16 GB (documented, unverified), needs ~6.5 GB free; 40.20 GB free in /x`. */
  summary: string;
}

export async function planDownload(
  entry: ClayWeightsEntry,
  dir: string,
  partialBytes = 0,
  free: (dir: string) => Promise<number> = freeBytes,
): Promise<DownloadPlan> {
  const verified = entry.sizeBytes !== null && entry.sha256 !== null;
  const sizeLabel = entry.sizeBytes !== null ? formatBytes(entry.sizeBytes) : entry.documentedSize.label;
  const neededBytes = Math.max(0, bytesNeededFor(entry) - partialBytes);
  const available = await free(dir).catch(() => null);
  const enough = available === null || available >= neededBytes;
  const state = verified ? 'verified' : 'documented, unverified';
  const freeText = available === null ? 'free space unknown' : `${formatBytes(available)} free in ${dir}`;
  return {
    sizeLabel,
    verified,
    neededBytes,
    freeBytes: available,
    enough,
    summary: `${sizeLabel} (${state}), needs ~${formatNeeded(neededBytes)} free; ${freeText}`,
  };
}
