/**
 * The official Clay checkpoints the app offers to download. This table is the only place they are
 * listed; the app never ships weights. Files come from the Hugging Face repository
 * `made-with-clay/Clay` (`resolve/main/<path>` serves the raw file, via a redirect to Hugging Face's CDN).
 *
 * `sizeBytes` and `sha256` are null where they have not been verified against the release; the
 * downloader then trusts the server's Content-Length, and reports the SHA-256 it computed so it can
 * be recorded here. Fill them in only from a verified download, never from memory.
 */
export interface ClayWeightsEntry {
  /** Stable id used by the CLI (`floodlens weights download <id>`) and the UI. */
  id: string;
  version: 'v0' | 'v1.5';
  /** File name inside the weights folder (the release's own name, so users recognise it). */
  fileName: string;
  url: string;
  sizeBytes: number | null;
  sha256: string | null;
  description: string;
}

const HF_REPO = 'https://huggingface.co/made-with-clay/Clay/resolve/main';

export const CLAY_WEIGHTS_CATALOGUE: readonly ClayWeightsEntry[] = [
  {
    id: 'clay-v1.5',
    version: 'v1.5',
    fileName: 'clay-v1.5.ckpt',
    url: `${HF_REPO}/v1.5/clay-v1.5.ckpt`,
    sizeBytes: null,
    sha256: null,
    description: 'Clay v1.5 (ViT-L, any bands with their wavelengths; needed for Sentinel-1-only data), reported as about 1.25 GB.',
  },
  {
    id: 'clay-v0.1',
    version: 'v0',
    fileName: 'Clay_v0.1_epoch-24_val-loss-0.46.ckpt',
    url: `${HF_REPO}/Clay_v0.1_epoch-24_val-loss-0.46.ckpt`,
    sizeBytes: null,
    sha256: null,
    description: 'Clay v0.1 (ViT, 13 fixed Sentinel-2/Sentinel-1/DEM bands), the encoder of the original notebook, about 0.5 GB.',
  },
];

export function findCatalogueEntry(id: string): ClayWeightsEntry | undefined {
  return CLAY_WEIGHTS_CATALOGUE.find((entry) => entry.id === id);
}
