import { ContractError, parseRequest, type EventEnvelope, type RequestName, type RequestPayload, type ResponsePayload } from '../api/contract.ts';
import type { OnlineBasemapId } from '../api/basemaps.ts';
import { runJob } from './jobs/worker-host.ts';
import { floodlensVersion } from './versions.ts';
import { chipFootprint } from './preview/footprint.ts';
import { chipPreview } from './preview/chip-preview.ts';
import { RunsService, type ExportTarget } from './workspace/runs-service.ts';

export interface EngineServiceOptions {
  demoWorkspace: string | null;
  /** Writable folder for runs (`<workspaceDir>/runs/<runId>/`); without it the runs requests fail clearly. */
  workspaceDir?: string | null;
  /** Where exports go; without it exports are refused. */
  exportTarget?: ExportTarget | null;
  /**
   * The desktop app opens the renderer's network to the basemaps the user switched on (layer ids, never
   * URLs). Hosts without it (the browser in server mode) report the choice as not enforced.
   */
  onBasemapsChanged?: ((layers: OnlineBasemapId[]) => void) | null;
}

export type EngineEventListener = (event: EventEnvelope) => void;

type Handler<K extends RequestName> = (payload: RequestPayload<K>) => Promise<ResponsePayload<K>>;

/**
 * Implements the api contract on top of the engine. Every host (Electron main, the HTTP server,
 * tests) calls `handle` with untrusted input; validation happens here, once.
 */
export class EngineService {
  private readonly handlers: { [K in RequestName]: Handler<K> };
  private readonly listeners = new Set<EngineEventListener>();
  private readonly runs: RunsService;

  constructor(private readonly options: EngineServiceOptions) {
    this.runs = new RunsService({
      workspaceDir: options.workspaceDir ?? null,
      exportTarget: options.exportTarget ?? null,
      emit: (event, payload) => this.emit({ event, payload }),
    });
    this.handlers = {
      'engine.info': async () => ({
        appVersion: floodlensVersion,
        backend: null,
        platform: `${process.platform}-${process.arch}`,
        demoWorkspace: this.options.demoWorkspace,
        workspaceDir: this.runs.workspace?.dir ?? null,
        exportTarget: this.runs.exportTargetKind,
      }),
      'dataset.inspect': (payload) => runJob('dataset.inspect', { dir: payload.dir }),
      'chip.footprints': async (payload) => payload.chips.map(chipFootprint),
      // Light work (one chip read + a control-grid warp, ~0.1–0.5 s): runs in-process, not in a worker.
      'chip.preview': (payload) => chipPreview(payload.chip, payload.layer),
      'basemaps.set': async ({ layers }) => {
        const enabled = [...new Set(layers)];
        this.options.onBasemapsChanged?.(enabled);
        return { enabled, enforced: Boolean(this.options.onBasemapsChanged) };
      },
      ...this.runs.handlers(),
    };
  }

  /** Engine-initiated events (training progress, run finished, export progress) for every connected UI. */
  onEvent(listener: EngineEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops running jobs (cancelling training cleanly so run.json says so). */
  async close(): Promise<void> {
    await this.runs.close();
  }

  private emit(event: EventEnvelope): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a broken listener (closed socket, destroyed window) must not stop the others
      }
    }
  }

  async handle(name: string, payload: unknown): Promise<unknown> {
    const request = parseRequest(name, payload);
    const handler = this.handlers[request.name] as ((payload: unknown) => Promise<unknown>) | undefined;
    if (!handler) throw new ContractError('unknown-request', `no handler for "${name}"`);
    return handler(request.payload);
  }
}
