import { stat } from 'node:fs/promises';
import { ContractError, parseRequest, type EventEnvelope, type RequestName, type RequestPayload, type ResponsePayload } from '../api/contract.ts';
import type { OnlineBasemapId } from '../api/basemaps.ts';
import { QuickJobs, runJob } from './jobs/worker-host.ts';
import { floodlensVersion } from './versions.ts';
import { chipFootprint } from './preview/footprint.ts';
import { EncodersService } from './workspace/encoders-service.ts';
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
  /** Clay checkpoints: listed from here, downloaded into it (`<data dir>/weights`, `serve --weights-dir`). */
  weightsDir?: string | null;
  /** The app's native open-file dialog for `encoders.load`; without it a name inside `weightsDir` is loaded. */
  chooseCheckpoint?: (() => Promise<string | null>) | null;
  /** The dataset folder open last time (the app remembers it); reported in `engine.info`. */
  lastDataset?: string | null;
  /** Downloads on offer instead of the official Clay releases (tests serve a fixture from 127.0.0.1). */
  weightsCatalogue?: readonly import('./weights/catalogue.ts').ClayWeightsEntry[];
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
  private readonly encoders: EncodersService;
  private readonly quickJobs = new QuickJobs();

  constructor(private readonly options: EngineServiceOptions) {
    this.runs = new RunsService({
      workspaceDir: options.workspaceDir ?? null,
      exportTarget: options.exportTarget ?? null,
      emit: (event, payload) => this.emit({ event, payload } as EventEnvelope),
    });
    this.encoders = new EncodersService({
      weightsDir: options.weightsDir ?? null,
      chooseFile: options.chooseCheckpoint ?? null,
      catalogue: options.weightsCatalogue,
      emit: (event, payload) => this.emit({ event, payload } as EventEnvelope),
    });
    const runHandlers = this.runs.handlers();
    this.handlers = {
      'engine.info': async () => ({
        appVersion: floodlensVersion,
        backend: null,
        platform: `${process.platform}-${process.arch}`,
        demoWorkspace: this.options.demoWorkspace,
        workspaceDir: this.runs.workspace?.dir ?? null,
        exportTarget: this.runs.exportTargetKind,
        lastDataset: this.options.lastDataset ?? null,
      }),
      'dataset.inspect': async (payload) => {
        // A mistyped folder is said as such, not as "no chips found".
        const found = await stat(payload.dir).catch(() => null);
        if (!found) throw new Error(`the folder ${payload.dir} does not exist`);
        if (!found.isDirectory()) throw new Error(`${payload.dir} is a file, not a folder of chips`);
        return runJob('dataset.inspect', { dir: payload.dir });
      },
      'chip.footprints': async (payload) => payload.chips.map(chipFootprint),
      // One chip read + a warp (~0.1–0.5 s): on the long-lived quick-jobs thread, off the host's thread.
      'chip.preview': (payload) => this.quickJobs.run('chip.preview', { chip: payload.chip, layer: payload.layer }),
      'basemaps.set': async ({ layers }) => {
        const enabled = [...new Set(layers)];
        this.options.onBasemapsChanged?.(enabled);
        return { enabled, enforced: Boolean(this.options.onBasemapsChanged) };
      },
      ...runHandlers,
      ...this.encoders.handlers(),
      // The UI names an encoder checkpoint by id; the host puts its path into the run's config.
      'run.start': async (payload) =>
        runHandlers['run.start'](payload.encoderId ? { ...payload, config: { ...payload.config, encoder: await this.encoders.pathOf(payload.encoderId) } } : payload),
    };
  }

  /** Engine-initiated events (training progress, run finished, export progress) for every connected UI. */
  onEvent(listener: EngineEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops running jobs (cancelling training cleanly so run.json says so). */
  async close(): Promise<void> {
    this.encoders.close();
    this.quickJobs.close();
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
