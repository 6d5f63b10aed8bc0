/**
 * Clay encoder checkpoints as the UI sees them: the ones the host knows (its weights folder + files the user
 * loaded), each identified (or refused with the reason), the official downloads on offer, and download
 * progress. The UI names checkpoints by id, never by path: the host chooses files (native dialog in the app,
 * a name inside `serve --weights-dir` in server mode). Pure TS + zod.
 */
import { z } from 'zod';

/** `weights:<file name>` (in the weights folder) or `loaded:<n>` (loaded this session). */
export const EncoderIdSchema = z
  .string()
  .max(300)
  .regex(/^(weights:[^/\\\0]+|loaded:\d{1,6})$/, 'an encoder id is "weights:<file name>" or "loaded:<n>"');

export const EncoderIdentitySchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    version: z.enum(['v0', 'v1.5']),
    dim: z.number().int(),
    depth: z.number().int(),
    description: z.string(),
  }),
  /** Not a usable Clay encoder: what it is instead (or why it cannot be read). */
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type EncoderIdentity = z.infer<typeof EncoderIdentitySchema>;

export const EncoderCheckpointSchema = z.object({
  id: EncoderIdSchema,
  /** File name, for display. */
  name: z.string(),
  /** Full path on the host, for display only (the UI never sends it back). */
  path: z.string(),
  source: z.enum(['weights-folder', 'loaded']),
  /** The catalogue entry this file is, when it is an official download. */
  catalogueId: z.string().nullable(),
  sizeBytes: z.number(),
  identity: EncoderIdentitySchema,
});
export type EncoderCheckpoint = z.infer<typeof EncoderCheckpointSchema>;

export const EncoderDownloadOfferSchema = z.object({
  catalogueId: z.string(),
  version: z.enum(['v0', 'v1.5']),
  fileName: z.string(),
  description: z.string(),
  present: z.boolean(),
  /** Bytes of an interrupted download that the next one resumes from. */
  partialBytes: z.number().nullable(),
  downloading: z.boolean(),
  /** The pinned address, and the release page to open when it stops working. */
  url: z.string(),
  releasePage: z.string(),
  /** `5.16 GB`: the release page's figure until a download verifies the exact size and SHA-256. */
  sizeLabel: z.string(),
  verified: z.boolean(),
  /** Disk the download needs (file + converted encoder cache + slack, less a resumable part) and what is free. */
  neededBytes: z.number(),
  freeBytes: z.number().nullable(),
  enough: z.boolean(),
  /** `5.16 GB (documented, unverified), needs ~6.6 GB free; 40.20 GB free in /…`. */
  summary: z.string(),
});
export type EncoderDownloadOffer = z.infer<typeof EncoderDownloadOfferSchema>;

export const EncodersListSchema = z.object({
  /** Where downloads go and checkpoints are looked for; null when this host has none. */
  weightsDir: z.string().nullable(),
  /** How `encoders.load` picks a file: a native dialog (app), a name inside the weights folder (serve), or not at all. */
  load: z.enum(['dialog', 'by-name', 'none']),
  checkpoints: z.array(EncoderCheckpointSchema),
  downloads: z.array(EncoderDownloadOfferSchema),
});
export type EncodersList = z.infer<typeof EncodersListSchema>;

const catalogueId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/);

/** Request payloads of the encoders API (merged into `requestSchemas` in contract.ts). */
export const encoderRequestSchemas = {
  'encoders.list': z.object({}),
  /** App: opens the native file dialog (any `name` is ignored). Server: `name` is a file inside the weights folder. */
  'encoders.load': z.object({ name: z.string().min(1).max(500).optional() }),
  /**
   * Resolves when the file is complete, verified and identified; progress arrives as events. `url` ("use this
   * URL"): fetch this entry's file from another https address (e.g. where the release moved it); the
   * catalogue's size and checksum are then not applied, and the computed SHA-256 is returned to record.
   */
  'encoders.download': z.object({ catalogueId, url: z.string().url().max(2000).optional() }),
  'encoders.cancelDownload': z.object({ catalogueId }),
} as const;

export interface EncoderResponseMap {
  'encoders.list': EncodersList;
  /** null when the user cancelled the dialog. */
  'encoders.load': { checkpoint: EncoderCheckpoint | null };
  'encoders.download': { checkpoint: EncoderCheckpoint; sha256: string; verified: boolean };
  'encoders.cancelDownload': { cancelled: boolean };
}

export const ENCODER_DOWNLOAD_PROGRESS_EVENT = 'encoders.downloadProgress';
export const EncoderDownloadProgressEventSchema = z.object({
  catalogueId: z.string(),
  bytes: z.number(),
  total: z.number().nullable(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  done: z.boolean(),
});
export type EncoderDownloadProgressEvent = z.infer<typeof EncoderDownloadProgressEventSchema>;

/** The host's list changed (a file loaded from the menu, a download finished); `selectId` is the new one. */
export const ENCODERS_CHANGED_EVENT = 'encoders.changed';
export const EncodersChangedEventSchema = z.object({ selectId: EncoderIdSchema.nullable() });
export type EncodersChangedEvent = z.infer<typeof EncodersChangedEventSchema>;
