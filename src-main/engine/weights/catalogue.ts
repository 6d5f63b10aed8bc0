/**
 * The official Clay checkpoints the app offers to download. This table is the only place they are
 * listed; the app never ships weights. Files come from the Hugging Face repository `made-with-clay/Clay`;
 * `resolve/<revision>/<path>` serves the raw file at that commit (via a redirect to Hugging Face's CDN), so
 * a pinned URL keeps working when the repository's `main` moves on.
 *
 * What the release's documented history says (Hugging Face file listings and commit pages, read
 * 2026-11 through the search index; sizes are the site's rounded display values):
 * - commit 2033cf5c59afbd8fef655008d0b0a9d6861951c8 "Structure the checkpoint versions"
 *   (https://huggingface.co/made-with-clay/Clay/commit/2033cf5c59afbd8fef655008d0b0a9d6861951c8) moved
 *   `Clay_v0.1_epoch-24_val-loss-0.46.ckpt` → `v0/…` and `clay_v1.5.ckpt` → `v1.5/clay-v1.5.ckpt`
 *   ("File without changes"), so `resolve/main/Clay_v0.1_…ckpt` has answered 404 since then;
 * - commit 5bfb3c778cf1b51f0ecb6b92395ebdebae893e24 "Add compiled clay v1.5 models" lists `v0/`, `v1/`,
 *   `v1.5/` (https://huggingface.co/made-with-clay/Clay/tree/5bfb3c778cf1b51f0ecb6b92395ebdebae893e24);
 *   at that head `v1.5/clay-v1.5.ckpt` is listed at 5.16 GB, a Lightning pickle
 *   (https://huggingface.co/made-with-clay/Clay/tree/main/v1.5, snapshot whose head was 5bfb3c7) and
 *   `v1.5/compiled/clay-v1.5-encoder*.{onnx,pt2}` at 1.25 GB each (the encoder-only exports — not this file);
 * - `Clay_v0.1_epoch-24_val-loss-0.46.ckpt` is listed at 511 MB at every earlier head that has it
 *   (tree/a87368d…, tree/841a645…, tree/4a40e8a…); the move did not change it;
 * - the newest snapshot of `main` (bc7c03f, "Delete v1.5/compiled") lists only `v1.5/`, README.md and
 *   config.json, 5.16 GB in all (https://huggingface.co/made-with-clay/Clay/tree/main). v0 is gone
 *   from `main`, hence both entries are pinned to 5bfb3c7, where both files exist.
 *   (torchgeo/terratorch#303 and #1024 are the same moves breaking other tools' `resolve/main` URLs.)
 *
 * Exact byte counts and SHA-256 are not published in what we could read: `sizeBytes` and `sha256` stay
 * null (unverified) until a real download verifies them — the downloader prints the SHA-256 to record
 * here. Fill them in only from a verified download, never from memory. `documentedSize` is the
 * rounded figure for people (shown before a download, and the basis of the free-space check).
 */
export interface DocumentedSize {
  /** The release page's figure in bytes (decimal units as displayed, so approximate). */
  approxBytes: number;
  /** As displayed, e.g. `5.16 GB`. */
  label: string;
  /** Where that figure was read. */
  source: string;
}

export interface ClayWeightsEntry {
  /** Stable id used by the CLI (`floodlens weights download <id>`) and the UI. */
  id: string;
  version: 'v0' | 'v1.5';
  /** File name inside the weights folder (the release's own name, so users recognise it). */
  fileName: string;
  /** Hugging Face repository, the commit the URL is pinned to, and the file's path at that commit. */
  repo: string;
  revision: string;
  pathInRepo: string;
  url: string;
  /** The release page to open when the URL stops working (404/410): the folder at the pinned commit. */
  releasePage: string;
  documentedSize: DocumentedSize;
  /** float32 bytes of the converted encoder cache (`.flck`) the first use writes beside the weights' data dir. */
  encoderCacheBytes: number;
  /** Verified exact size and checksum; null = unverified (the downloader trusts Content-Length and reports the hash). */
  sizeBytes: number | null;
  sha256: string | null;
  description: string;
}

const REPO = 'made-with-clay/Clay';
/** "Add compiled clay v1.5 models": the last head holding both `v0/` and `v1.5/`. */
const REVISION = '5bfb3c778cf1b51f0ecb6b92395ebdebae893e24';

export const hfResolveUrl = (repo: string, revision: string, path: string) => `https://huggingface.co/${repo}/resolve/${revision}/${path}`;
export const hfTreeUrl = (repo: string, revision: string, folder: string) => `https://huggingface.co/${repo}/tree/${revision}/${folder}`;

function official(entry: Omit<ClayWeightsEntry, 'repo' | 'revision' | 'url' | 'releasePage' | 'sizeBytes' | 'sha256'>): ClayWeightsEntry {
  const folder = entry.pathInRepo.split('/').slice(0, -1).join('/');
  return {
    ...entry,
    repo: REPO,
    revision: REVISION,
    url: hfResolveUrl(REPO, REVISION, entry.pathInRepo),
    releasePage: hfTreeUrl(REPO, REVISION, folder),
    sizeBytes: null,
    sha256: null,
  };
}

export const CLAY_WEIGHTS_CATALOGUE: readonly ClayWeightsEntry[] = [
  official({
    id: 'clay-v1.5',
    version: 'v1.5',
    fileName: 'clay-v1.5.ckpt',
    pathInRepo: 'v1.5/clay-v1.5.ckpt',
    documentedSize: {
      approxBytes: 5_160_000_000,
      label: '5.16 GB',
      source: 'https://huggingface.co/made-with-clay/Clay/tree/main/v1.5 (head 5bfb3c7)',
    },
    // 311,442,944 encoder parameters (fixtures/clay-v1.5 README, counted by instantiating clay_mae_large).
    encoderCacheBytes: 311_442_944 * 4,
    description:
      'Clay v1.5 (ViT-L encoder, 311 M parameters; any bands with their wavelengths, needed for Sentinel-1-only data). A full Lightning checkpoint: the encoder plus the DINOv2 teacher and decoder, of which only the encoder (1.25 GB as float32) is kept after conversion.',
  }),
  official({
    id: 'clay-v0.1',
    version: 'v0',
    fileName: 'Clay_v0.1_epoch-24_val-loss-0.46.ckpt',
    pathInRepo: 'v0/Clay_v0.1_epoch-24_val-loss-0.46.ckpt',
    documentedSize: {
      approxBytes: 511_000_000,
      label: '511 MB',
      source:
        'https://huggingface.co/made-with-clay/Clay/tree/841a6454bfbfb7b74878a46f9d4ef553f5e03ece (moved unchanged to v0/ in 2033cf5)',
    },
    // 95,271,168 encoder parameters at the released v0 shapes (dim 768, depth 12, 13 bands in 6 groups, patch 32).
    encoderCacheBytes: 95_271_168 * 4,
    description: 'Clay v0.1 (ViT-B encoder, 13 fixed Sentinel-2/Sentinel-1/DEM bands), the encoder of the original notebook.',
  }),
];

export function findCatalogueEntry(id: string): ClayWeightsEntry | undefined {
  return CLAY_WEIGHTS_CATALOGUE.find((entry) => entry.id === id);
}

/**
 * Disk a download of this entry needs: the file (its `.part` becomes the file by rename, so no second
 * copy), the encoder cache written on first use, and 2 % slack for the rounded documented size.
 */
export function bytesNeededFor(entry: ClayWeightsEntry): number {
  const file = entry.sizeBytes ?? entry.documentedSize.approxBytes * 1.02;
  return Math.ceil(file + entry.encoderCacheBytes);
}
