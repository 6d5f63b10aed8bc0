import { z } from 'zod';
import { SetBasemapsRequestSchema, type BasemapsState } from './basemaps.ts';
import type { ComputeBackend } from './compute.ts';
import type { DatasetInspection } from './dataset.ts';
import { encoderRequestSchemas, type EncoderResponseMap } from './encoders.ts';
import { EngineError, toEngineErrorData, type EngineErrorData } from './errors.ts';
import type { EventEnvelope } from './events.ts';
import { ChipGridSchema, ChipPreviewRequestSchema, type ChipFootprint, type ChipPreview } from './preview.ts';
import type { EvaluationRecord, Comparison } from './run.ts';
import { sceneRequestSchemas, type SceneResponseMap } from './scene.ts';
import {
  runRequestSchemas,
  type Disagreement,
  type ExportResult,
  type RunCardExport,
  type RunChipPrediction,
  type RunDetail,
  type RunSummary,
} from './runs.ts';

/**
 * The request/response contract between the UI (or any client) and the engine.
 * Every transport (Electron IPC, WebSocket) carries exactly these messages, validated on arrival.
 */
export const EngineInfoSchema = z.object({
  appVersion: z.string(),
  backend: z.string().nullable(),
  platform: z.string(),
  demoWorkspace: z.string().nullable(),
  /** Where runs are kept (`<workspaceDir>/runs/<runId>/`); null when this host has none. */
  workspaceDir: z.string().nullable(),
  /** How exports pick their folder: a native dialog (app), a fixed folder (`serve --export-dir`), or none. */
  exportTarget: z.enum(['dialog', 'folder', 'none']),
  /** The dataset folder the user had open last time (desktop app), opened instead of the demo when it still exists. */
  lastDataset: z.string().nullable().optional(),
});
export type EngineInfo = z.infer<typeof EngineInfoSchema>;

export const requestSchemas = {
  'engine.info': z.object({}),
  /** The backend and device the engine's workers compute on (as `floodlens doctor` prints it). */
  'compute.info': z.object({}),
  'dataset.inspect': z.object({ dir: z.string().min(1) }),
  'chip.footprints': z.object({ chips: z.array(ChipGridSchema).max(10_000) }),
  'chip.preview': ChipPreviewRequestSchema,
  /** Which online basemaps the user switched on (layer ids only; the desktop app opens just their hosts). */
  'basemaps.set': SetBasemapsRequestSchema,
  ...runRequestSchemas,
  ...encoderRequestSchemas,
  ...sceneRequestSchemas,
} as const;

export type RequestName = keyof typeof requestSchemas;
export type RequestPayload<K extends RequestName> = z.infer<(typeof requestSchemas)[K]>;
/** What a client sends: fields with defaults may be left out (the engine fills them in when it validates). */
export type RequestInput<K extends RequestName> = z.input<(typeof requestSchemas)[K]>;

export interface ResponseMap extends EncoderResponseMap, SceneResponseMap {
  'engine.info': EngineInfo;
  'compute.info': ComputeBackend;
  'dataset.inspect': DatasetInspection;
  'chip.footprints': ChipFootprint[];
  'chip.preview': ChipPreview;
  'basemaps.set': BasemapsState;
  'runs.list': RunSummary[];
  'run.get': RunDetail;
  'run.start': { runId: string };
  'run.cancel': { cancelled: boolean };
  'run.resume': { runId: string };
  'run.evaluate': EvaluationRecord;
  'runs.compare': Comparison;
  'run.predictChip': RunChipPrediction;
  'runs.disagreement': Disagreement;
  'export.masks': ExportResult;
  'export.runCard': RunCardExport;
}
export type ResponsePayload<K extends RequestName> = ResponseMap[K];

/** Wire envelope: a request from the client, its reply, and engine-initiated events. */
export const RequestEnvelopeSchema = z.object({
  id: z.number().int().nonnegative(),
  name: z.string(),
  payload: z.unknown(),
});
export type RequestEnvelope = z.infer<typeof RequestEnvelopeSchema>;

export type ReplyEnvelope = { id: number } & Reply;

/** A reply without its request id: what Electron IPC carries (the same as over WebSocket, so codes survive). */
export type Reply = { ok: true; result: unknown } | { ok: false; error: EngineErrorData };

/** Runs `work` and wraps its value, or what it threw, as a reply: what every host sends back. */
export async function toReply(work: () => Promise<unknown>): Promise<Reply> {
  try {
    return { ok: true, result: await work() };
  } catch (error) {
    return { ok: false, error: toEngineErrorData(error) };
  }
}

/** The value of a reply, or its error thrown as an EngineError (code, message and file kept). */
export function replyResult(reply: Reply): unknown {
  if (reply.ok) return reply.result;
  throw EngineError.from(reply.error);
}

export type { EventEnvelope } from './events.ts';

export class ContractError extends EngineError {
  declare readonly code: 'unknown-request' | 'invalid-payload';

  constructor(code: 'unknown-request' | 'invalid-payload', message: string) {
    super(code, message);
    this.name = 'ContractError';
  }
}

export function isRequestName(name: string): name is RequestName {
  return Object.prototype.hasOwnProperty.call(requestSchemas, name);
}

/** Validates a request at the boundary; throws ContractError naming what is wrong. */
export function parseRequest<K extends RequestName>(name: string, payload: unknown): { name: K; payload: RequestPayload<K> } {
  if (!isRequestName(name)) throw new ContractError('unknown-request', `unknown request "${name}"`);
  const result = requestSchemas[name].safeParse(payload ?? {});
  if (!result.success) {
    throw new ContractError(
      'invalid-payload',
      `invalid payload for "${name}": ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return { name: name as K, payload: result.data as RequestPayload<K> };
}

/** What a UI holds: one object, whatever the transport underneath. */
export interface FloodlensClient {
  request<K extends RequestName>(name: K, payload: RequestInput<K>): Promise<ResponsePayload<K>>;
  onEvent(listener: (event: EventEnvelope) => void): () => void;
}
