import { basename } from 'node:path';

export interface CheckpointEpoch {
  epoch: number | null;
  source: 'metadata' | 'file name' | null;
  /** Set when the metadata and the file name disagree. */
  warning: string | null;
}

/** `epoch=12`, `epoch-12`, `epoch_12` in a file name (Lightning's ModelCheckpoint writes `epoch=12-step=…`). */
export function epochFromName(file: string): number | null {
  const match = /epoch[=_-](\d+)/i.exec(basename(file));
  return match ? Number(match[1]) : null;
}

/** The pretraining epoch of a checkpoint: Lightning's `epoch` entry, else its file name. */
export function checkpointEpoch(file: string, metadata: Record<string, unknown>): CheckpointEpoch {
  const fromName = epochFromName(file);
  const stored = metadata['epoch'];
  if (typeof stored === 'number' && Number.isInteger(stored) && stored >= 0) {
    const warning =
      fromName !== null && fromName !== stored
        ? `${basename(file)}: metadata says epoch ${stored}, the file name ${fromName}; used the metadata`
        : null;
    return { epoch: stored, source: 'metadata', warning };
  }
  return fromName !== null ? { epoch: fromName, source: 'file name', warning: null } : { epoch: null, source: null, warning: null };
}
