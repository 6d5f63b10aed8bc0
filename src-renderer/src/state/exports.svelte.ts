/** Mask and run card exports: progress from engine events, the files written, or why nothing was. */
import type { FloodlensClient } from '../../../src-main/api/contract.ts';
import {
  EXPORT_PROGRESS_EVENT,
  ExportProgressEventSchema,
  type ExportProgressEvent,
  type ExportResult,
} from '../../../src-main/api/runs.ts';
import type { LoadStatus } from './loadable.ts';

export class ExportState {
  status = $state<LoadStatus>('idle');
  progress = $state<ExportProgressEvent | null>(null);
  result = $state.raw<ExportResult | null>(null);
  cardFile = $state<string | null>(null);
  error = $state<string | null>(null);

  constructor(private readonly client: FloodlensClient) {
    client.onEvent((event) => {
      if (event.event !== EXPORT_PROGRESS_EVENT || this.status !== 'loading') return;
      const parsed = ExportProgressEventSchema.safeParse(event.payload);
      if (parsed.success) this.progress = parsed.data;
    });
  }

  async exportMasks(runIds: string[], chipIds: string[], dataDir: string, probabilities: boolean, overwrite = false): Promise<void> {
    this.status = 'loading';
    this.progress = { done: 0, total: runIds.length * chipIds.length, message: 'starting' };
    this.error = null;
    this.result = null;
    try {
      this.result = await this.client.request('export.masks', { runIds, chipIds, dataDir, probabilities, overwrite });
      this.status = 'ready';
    } catch (error) {
      this.error = (error as Error).message;
      this.status = 'error';
    }
  }

  fail(message: string): void {
    this.error = message;
    this.status = 'error';
  }

  reset(): void {
    this.status = 'idle';
    this.progress = null;
    this.result = null;
    this.error = null;
    this.cardFile = null;
  }

  async exportCard(runId: string): Promise<void> {
    this.error = null;
    this.cardFile = null;
    try {
      this.cardFile = (await this.client.request('export.runCard', { runId })).file;
    } catch (error) {
      this.error = (error as Error).message;
      this.status = 'error';
    }
  }
}
