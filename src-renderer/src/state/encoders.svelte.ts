/** Clay encoder checkpoints the host knows, the one picked for training, and official downloads with progress. */
import type { FloodlensClient } from '../../../src-main/api/contract.ts';
import {
  ENCODER_DOWNLOAD_PROGRESS_EVENT,
  ENCODERS_CHANGED_EVENT,
  EncoderDownloadProgressEventSchema,
  EncodersChangedEventSchema,
  type EncoderCheckpoint,
  type EncoderDownloadProgressEvent,
  type EncodersList,
} from '../../../src-main/api/encoders.ts';
import type { LoadStatus } from './loadable.ts';
import { isCancelled } from '../../../src-main/api/errors.ts';

/** Where a Clay model's embeddings come from in the training form. */
export type EncoderSource = 'checkpoint' | 'embeddings' | 'download';

export interface DownloadState {
  catalogueId: string;
  status: 'running' | 'done' | 'cancelled' | 'error';
  progress: EncoderDownloadProgressEvent | null;
  error: string | null;
  /** When done: the file's SHA-256, and whether it matched a published one (else it is there to record). */
  sha256?: string;
  verified?: boolean;
}

export class EncodersState {
  list = $state.raw<EncodersList | null>(null);
  status = $state<LoadStatus>('idle');
  error = $state<string | null>(null);
  /** The checkpoint the training form uses. */
  selectedId = $state<string | null>(null);
  download = $state<DownloadState | null>(null);
  loadError = $state<string | null>(null);

  selected = $derived<EncoderCheckpoint | null>(this.list?.checkpoints.find((c) => c.id === this.selectedId) ?? null);

  constructor(private readonly client: FloodlensClient) {
    client.onEvent((event) => {
      if (event.event === ENCODER_DOWNLOAD_PROGRESS_EVENT) {
        const parsed = EncoderDownloadProgressEventSchema.safeParse(event.payload);
        if (parsed.success && this.download?.catalogueId === parsed.data.catalogueId && this.download.status === 'running') {
          this.download = { ...this.download, progress: parsed.data };
        }
      } else if (event.event === ENCODERS_CHANGED_EVENT) {
        const parsed = EncodersChangedEventSchema.safeParse(event.payload);
        void this.refresh(parsed.success ? parsed.data.selectId : null);
      }
    });
  }

  async refresh(selectId: string | null = null): Promise<void> {
    if (this.status !== 'ready') this.status = 'loading';
    try {
      this.list = await this.client.request('encoders.list', {});
      this.status = 'ready';
      this.error = null;
      if (selectId) this.selectedId = selectId;
      // Default: the first checkpoint that is a usable Clay encoder.
      if (!this.selected) this.selectedId = this.list.checkpoints.find((c) => c.identity.ok)?.id ?? this.list.checkpoints[0]?.id ?? null;
    } catch (error) {
      this.error = (error as Error).message;
      this.status = 'error';
    }
  }

  /** App: the native file dialog. Server: a file inside the host's weights folder, by name. */
  async load(name?: string): Promise<void> {
    this.loadError = null;
    try {
      const { checkpoint } = await this.client.request('encoders.load', name ? { name } : {});
      if (!checkpoint) return;
      await this.refresh(checkpoint.id);
    } catch (error) {
      this.loadError = (error as Error).message;
    }
  }

  /** `url`: "use this URL" instead of the catalogue's pinned address. */
  async startDownload(catalogueId: string, url?: string): Promise<void> {
    this.download = { catalogueId, status: 'running', progress: null, error: null };
    try {
      const { checkpoint, sha256, verified } = await this.client.request('encoders.download', url ? { catalogueId, url } : { catalogueId });
      this.download = { ...this.download, status: 'done', sha256, verified };
      await this.refresh(checkpoint.id);
    } catch (error) {
      const message = (error as Error).message;
      this.download = {
        catalogueId,
        status: isCancelled(error) ? 'cancelled' : 'error',
        progress: this.download?.progress ?? null,
        error: message,
      };
      await this.refresh();
    }
  }

  async cancelDownload(): Promise<void> {
    if (!this.download || this.download.status !== 'running') return;
    await this.client.request('encoders.cancelDownload', { catalogueId: this.download.catalogueId }).catch(() => undefined);
  }
}
