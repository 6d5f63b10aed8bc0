import { z } from 'zod';
import {
  ENCODER_DOWNLOAD_PROGRESS_EVENT,
  ENCODERS_CHANGED_EVENT,
  EncoderDownloadProgressEventSchema,
  EncodersChangedEventSchema,
} from './encoders.ts';
import {
  EXPORT_PROGRESS_EVENT,
  ExportProgressEventSchema,
  RUN_FINISHED_EVENT,
  RUN_PROGRESS_EVENT,
  RunFinishedEventSchema,
  RunProgressEventSchema,
} from './runs.ts';
import { SCENE_FINISHED_EVENT, SCENE_PROGRESS_EVENT, SceneFinishedEventSchema, SceneProgressEventSchema } from './scene.ts';
import { EXPORT_MASKS_EVENT, OPEN_DATASET_EVENT, OpenDatasetEventSchema } from './ui-events.ts';

/** Every event a host may push to a UI, with its payload's schema. A new event is added here first. */
export const eventSchemas = {
  [RUN_PROGRESS_EVENT]: RunProgressEventSchema,
  [RUN_FINISHED_EVENT]: RunFinishedEventSchema,
  [EXPORT_PROGRESS_EVENT]: ExportProgressEventSchema,
  [ENCODER_DOWNLOAD_PROGRESS_EVENT]: EncoderDownloadProgressEventSchema,
  [ENCODERS_CHANGED_EVENT]: EncodersChangedEventSchema,
  [OPEN_DATASET_EVENT]: OpenDatasetEventSchema,
  [EXPORT_MASKS_EVENT]: z.object({}),
  [SCENE_PROGRESS_EVENT]: SceneProgressEventSchema,
  [SCENE_FINISHED_EVENT]: SceneFinishedEventSchema,
} as const;

/** Event name → payload: the engine and the hosts can emit only these. */
export type EventMap = { [K in keyof typeof eventSchemas]: z.infer<(typeof eventSchemas)[K]> };
export type EventName = keyof EventMap;

/** One event on the wire; narrowing on `event` types the payload. */
export type EventEnvelope = { [K in EventName]: { event: K; payload: EventMap[K] } }[EventName];

/** What emits events: typed by name, so a payload that does not fit its event is a compile error. */
export type EmitEvent = <K extends EventName>(event: K, payload: EventMap[K]) => void;

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(eventSchemas, name);
}

/** An event received from a transport, validated; null for an unknown event or a payload that does not fit. */
export function parseEvent(raw: unknown): EventEnvelope | null {
  const { event, payload } = (typeof raw === 'object' && raw !== null ? raw : {}) as { event?: unknown; payload?: unknown };
  if (typeof event !== 'string' || !isEventName(event)) return null;
  const parsed = eventSchemas[event].safeParse(payload);
  return parsed.success ? ({ event, payload: parsed.data } as EventEnvelope) : null;
}
