import { stat } from 'node:fs/promises';
import {
  ContractError,
  parseRequest,
  type EventEnvelope,
  type RequestName,
  type RequestPayload,
  type ResponsePayload,
} from '../api/contract.ts';
import type { OnlineBasemapId } from '../api/basemaps.ts';
import { QuickJobs, runJob } from './jobs/worker-host.ts';
import { floodlensVersion } from './versions.ts';
import { ReadRoots } from './fs/read-roots.ts';
import { chipFootprint } from './preview/footprint.ts';
import { EncodersService } from './workspace/encoders-service.ts';
import { RunsService, type ExportTarget } from './workspace/runs-service.ts';
import { SceneJobs } from './workspace/scene-jobs.ts';

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
  /**
   * Server mode: the only folders requests may read from (`serve --data-dir`, repeatable, plus the
   * workspace). Null (the desktop app, where the user picks folders in native dialogs): no confinement.
   */
  readRoots?: readonly string[] | null;
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
  private readonly scenes: SceneJobs;
  private readonly readRoots: ReadRoots | null;

  constructor(private readonly options: EngineServiceOptions) {
    this.readRoots = options.readRoots ? new ReadRoots(options.readRoots) : null;
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
    this.scenes = new SceneJobs(
      () => {
        if (!this.runs.workspace) throw new Error('this host has no workspace: scenes cannot be predicted');
        return this.runs.workspace;
      },
      (event, payload) => this.emit({ event, payload } as EventEnvelope),
    );
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
      // What a worker computes on (the chosen backend, the GPU adapter): initialised on the quick-jobs thread, once.
      'compute.info': () => this.quickJobs.run('compute.info', {}),
      'dataset.inspect': async (payload) => {
        const dir = await this.readable(payload.dir);
        // A mistyped folder is said as such, not as "no chips found".
        const found = await stat(dir).catch(() => null);
        if (!found) throw new Error(`the folder ${payload.dir} does not exist`);
        if (!found.isDirectory()) throw new Error(`${payload.dir} is a file, not a folder of chips`);
        return runJob('dataset.inspect', { dir });
      },
      'chip.footprints': async (payload) => payload.chips.map(chipFootprint),
      // One chip read + a warp (~0.1–0.5 s): on the long-lived quick-jobs thread, off the host's thread.
      'chip.preview': async (payload) =>
        this.quickJobs.run('chip.preview', { chip: await this.readableChip(payload.chip), layer: payload.layer }),
      'basemaps.set': async ({ layers }) => {
        const enabled = [...new Set(layers)];
        this.options.onBasemapsChanged?.(enabled);
        return { enabled, enforced: Boolean(this.options.onBasemapsChanged) };
      },
      ...runHandlers,
      ...this.encoders.handlers(),
      // Over the API a client names an encoder by id, never by path, and never says where to write: the
      // encoder path comes from the host's list, embeddings go where the run's own folder puts them.
      'run.start': async (payload) => {
        await this.readable(payload.config.dataDir);
        const encoder = payload.encoderId ? await this.encoders.pathOf(payload.encoderId) : null;
        return runHandlers['run.start']({ ...payload, config: { ...payload.config, encoder, embeddingsDir: null } });
      },
      'run.evaluate': async (payload) =>
        runHandlers['run.evaluate']({ ...payload, dataDir: payload.dataDir && (await this.readable(payload.dataDir)) }),
      'runs.compare': async (payload) =>
        runHandlers['runs.compare']({ ...payload, dataDir: payload.dataDir && (await this.readable(payload.dataDir)) }),
      'export.masks': async (payload) => runHandlers['export.masks']({ ...payload, dataDir: await this.readable(payload.dataDir) }),
      'run.predictChip': async (payload) => runHandlers['run.predictChip']({ ...payload, chip: await this.readableChip(payload.chip) }),
      'runs.disagreement': async (payload) => runHandlers['runs.disagreement']({ ...payload, chip: await this.readableChip(payload.chip) }),
      // The scene is read where the client says (within the read roots); outputs go where the host says.
      'scene.predict': async (payload) => {
        const scene = await this.readable(payload.scene);
        const found = await stat(scene).catch(() => null);
        if (!found?.isFile()) throw new Error(`the scene ${payload.scene} ${found ? 'is not a file' : 'does not exist'}`);
        return this.scenes.start({ ...payload, scene });
      },
      'scene.cancel': async ({ jobId }) => this.scenes.cancel(jobId),
      // A tile is one windowed COG read + a warp: on the quick-jobs thread, as chip previews.
      'scene.tile': async ({ jobId, z, x, y, layer }) => {
        const file = this.scenes.layerOf(jobId, layer);
        const { pngBase64, level } = await this.quickJobs.run('scene.tile', { file, z, x, y, size: 256, layer });
        return { pngBase64, level };
      },
      'scene.vectors': async (payload) => this.scenes.vectorise(payload),
    };
  }

  /** `path` if this host lets clients read it (always in the app; inside the data roots in server mode). */
  private async readable(path: string): Promise<string> {
    return this.readRoots ? this.readRoots.check(path) : path;
  }

  /** A chip sent by the client names its files: each must be readable too. */
  private async readableChip<T extends { files: string[]; labelFile: string | null }>(chip: T): Promise<T> {
    for (const file of [...chip.files, ...(chip.labelFile ? [chip.labelFile] : [])]) await this.readable(file);
    return chip;
  }

  /** Engine-initiated events (training progress, run finished, export progress) for every connected UI. */
  onEvent(listener: EngineEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops running jobs (cancelling training cleanly so run.json says so). */
  async close(): Promise<void> {
    this.encoders.close();
    this.scenes.cancelAll();
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
