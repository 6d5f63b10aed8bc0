/**
 * The encoders part of the api contract: Clay checkpoints the host knows (its weights folder and files the
 * user loaded), identified; loading one (a native dialog in the app, a name inside the weights folder in
 * server mode: never a path from the UI); downloading an official release into the weights folder.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, resolve, sep } from 'node:path';
import type { RequestPayload, ResponsePayload } from '../../api/contract.ts';
import {
  ENCODER_DOWNLOAD_PROGRESS_EVENT,
  ENCODERS_CHANGED_EVENT,
  type EncoderCheckpoint,
  type EncoderDownloadProgressEvent,
  type EncodersChangedEvent,
  type encoderRequestSchemas,
} from '../../api/encoders.ts';
import { CLAY_WEIGHTS_CATALOGUE, type ClayWeightsEntry } from '../weights/catalogue.ts';
import { downloadFile, partPath } from '../weights/download.ts';
import { planDownload } from '../weights/download-plan.ts';
import { catalogueFilePath, listWeights } from '../weights/weights-dir.ts';
import { identifyCheckpointFile } from './checkpoint-identity.ts';
import { RunWorkspaceError } from './run-workspace.ts';
import type { EmitEvent } from '../../api/events.ts';
import { EngineError, type EngineErrorCode } from '../../api/errors.ts';

export type EncoderRequestName = keyof typeof encoderRequestSchemas;
export type EncoderHandlers = { [K in EncoderRequestName]: (payload: RequestPayload<K>) => Promise<ResponsePayload<K>> };

export interface EncodersServiceOptions {
  /** Where downloads go and checkpoints are listed from (`<data dir>/weights`, `serve --weights-dir`). */
  weightsDir: string | null;
  /** The app's native open-file dialog; without it `encoders.load` takes a name inside the weights folder. */
  chooseFile?: (() => Promise<string | null>) | null;
  /** The downloads on offer (default: the official Clay releases). */
  catalogue?: readonly ClayWeightsEntry[];
  emit: EmitEvent;
}

export class EncoderError extends EngineError {
  constructor(message: string, code: EngineErrorCode = 'bad-input') {
    super(code, message);
    this.name = 'EncoderError';
  }
}

export class EncodersService {
  private readonly catalogue: readonly ClayWeightsEntry[];
  /** Files loaded this session, by id number; the path is the host's, never the UI's. */
  private readonly loaded: string[] = [];
  private readonly downloads = new Map<string, AbortController>();

  constructor(private readonly options: EncodersServiceOptions) {
    this.catalogue = options.catalogue ?? CLAY_WEIGHTS_CATALOGUE;
  }

  get weightsDir(): string | null {
    return this.options.weightsDir ? resolve(this.options.weightsDir) : null;
  }

  handlers(): EncoderHandlers {
    return {
      'encoders.list': async () => ({
        weightsDir: this.weightsDir,
        load: this.options.chooseFile ? 'dialog' : this.weightsDir ? 'by-name' : 'none',
        checkpoints: await this.checkpoints(),
        downloads: await this.offers(),
      }),
      'encoders.load': async ({ name }) => {
        const path = this.options.chooseFile ? await this.options.chooseFile() : await this.fileInWeightsDir(name);
        if (!path) return { checkpoint: null };
        const checkpoint = await this.remember(path);
        this.changed({ selectId: checkpoint.id });
        return { checkpoint };
      },
      'encoders.download': ({ catalogueId, url }) => this.download(catalogueId, url),
      'encoders.cancelDownload': async ({ catalogueId }) => {
        const controller = this.downloads.get(catalogueId);
        controller?.abort();
        return { cancelled: Boolean(controller) };
      },
    };
  }

  /** The host path of a checkpoint the UI names by id; refuses a file that is not a Clay encoder, with the reason. */
  async pathOf(id: string): Promise<string> {
    const checkpoint = (await this.checkpoints()).find((c) => c.id === id);
    if (!checkpoint)
      throw new EncoderError(`unknown encoder checkpoint "${id}": choose one from the list (it may have been moved or deleted)`);
    if (!checkpoint.identity.ok) throw new EncoderError(checkpoint.identity.error);
    return checkpoint.path;
  }

  /** Stops downloads (their `.part` files stay for a later resume). */
  close(): void {
    for (const controller of this.downloads.values()) controller.abort();
  }

  private async checkpoints(): Promise<EncoderCheckpoint[]> {
    const result: EncoderCheckpoint[] = [];
    const dir = this.weightsDir;
    if (dir) {
      for (const file of await listWeights(dir)) {
        if (!file.present || file.sizeBytes === null) continue;
        const name = basename(file.path);
        result.push(await this.describe(`weights:${name}`, file.path, 'weights-folder', file.sizeBytes));
      }
    }
    for (const [index, path] of this.loaded.entries()) {
      const size = await stat(path)
        .then((s) => (s.isFile() ? s.size : null))
        .catch(() => null);
      if (size !== null) result.push(await this.describe(`loaded:${index}`, path, 'loaded', size));
    }
    return result;
  }

  private async describe(id: string, path: string, source: EncoderCheckpoint['source'], sizeBytes: number): Promise<EncoderCheckpoint> {
    const name = basename(path);
    const catalogueId = this.catalogue.find((entry) => entry.fileName === name)?.id ?? null;
    return { id, name, path, source, catalogueId, sizeBytes, identity: await identifyCheckpointFile(path) };
  }

  private async offers(): Promise<ResponsePayload<'encoders.list'>['downloads']> {
    const dir = this.weightsDir;
    if (!dir) return [];
    const size = (path: string) =>
      stat(path)
        .then((s) => (s.isFile() ? s.size : null))
        .catch(() => null);
    return Promise.all(
      this.catalogue.map(async (entry) => {
        const path = catalogueFilePath(dir, entry);
        const partialBytes = await size(partPath(path));
        const plan = await planDownload(entry, dir, partialBytes ?? 0);
        return {
          catalogueId: entry.id,
          version: entry.version,
          fileName: entry.fileName,
          description: entry.description,
          present: (await size(path)) !== null,
          partialBytes,
          downloading: this.downloads.has(entry.id),
          url: entry.url,
          releasePage: entry.releasePage,
          sizeLabel: plan.sizeLabel,
          verified: plan.verified,
          neededBytes: plan.neededBytes,
          freeBytes: plan.freeBytes,
          enough: plan.enough,
          summary: plan.summary,
        };
      }),
    );
  }

  /** Server mode: a file inside the weights folder, named relative to it; symlinks out of it are refused. */
  private async fileInWeightsDir(name: string | undefined): Promise<string> {
    const dir = this.weightsDir;
    if (!dir) throw new EncoderError('this host has no weights folder (start `serve` with --weights-dir <dir>)', 'unavailable');
    if (!name) throw new EncoderError(`name a checkpoint file inside the weights folder ${dir}`);
    const root = await realpath(dir).catch(() => {
      throw new EncoderError(`the weights folder ${dir} does not exist`);
    });
    const real = await realpath(resolve(root, name)).catch(() => {
      throw new EncoderError(`no file "${name}" in the weights folder ${dir}`);
    });
    if (!real.startsWith(root + sep)) throw new EncoderError(`"${name}" is not inside the weights folder ${dir}`);
    if (!(await stat(real)).isFile()) throw new EncoderError(`"${name}" in ${dir} is not a file`);
    return real;
  }

  /** A chosen file: the weights-folder entry when it is one, else added to this session's loaded files. */
  private async remember(path: string): Promise<EncoderCheckpoint> {
    const real = await realpath(path).catch(() => {
      throw new EncoderError(`cannot open ${path}`);
    });
    const listed = (await this.checkpoints()).find((c) => c.path === real || c.path === path);
    if (listed) return listed;
    this.loaded.push(real);
    const size = (await stat(real)).size;
    return this.describe(`loaded:${this.loaded.length - 1}`, real, 'loaded', size);
  }

  private async download(catalogueId: string, customUrl?: string): Promise<ResponsePayload<'encoders.download'>> {
    const entry = this.catalogue.find((e) => e.id === catalogueId);
    if (!entry) throw new EncoderError(`no official checkpoint "${catalogueId}" (known: ${this.catalogue.map((e) => e.id).join(', ')})`);
    const dir = this.weightsDir;
    if (!dir)
      throw new RunWorkspaceError(
        'this host has no weights folder to download into (start `serve` with --weights-dir <dir>)',
        'unavailable',
      );
    if (this.downloads.has(catalogueId)) throw new EncoderError(`${entry.fileName} is already downloading`);
    const dest = catalogueFilePath(dir, entry);
    if (!customUrl) {
      const partial = await stat(partPath(dest))
        .then((s) => s.size)
        .catch(() => 0);
      const plan = await planDownload(entry, dir, partial);
      if (!plan.enough)
        throw new EncoderError(
          `not enough free disk for ${entry.fileName}: ${plan.summary}. Free some space, or use a copy you already have.`,
        );
    }
    const controller = new AbortController();
    this.downloads.set(catalogueId, controller);
    try {
      // A custom URL is another file as far as we know: the catalogue's size and checksum do not apply to it.
      const result = await downloadFile({
        url: customUrl ?? entry.url,
        dest,
        expectedSha256: customUrl ? null : entry.sha256,
        expectedSize: customUrl ? null : entry.sizeBytes,
        releasePage: entry.releasePage,
        reserveBytes: entry.encoderCacheBytes,
        signal: controller.signal,
        onProgress: (progress) => {
          const event: EncoderDownloadProgressEvent = { catalogueId, ...progress };
          delete (event as { resumedFrom?: number }).resumedFrom;
          this.options.emit(ENCODER_DOWNLOAD_PROGRESS_EVENT, event);
        },
      });
      const id = `weights:${basename(result.path)}`;
      this.changed({ selectId: id });
      const verified = !customUrl && entry.sha256 !== null;
      return { checkpoint: await this.describe(id, result.path, 'weights-folder', result.bytes), sha256: result.sha256, verified };
    } finally {
      this.downloads.delete(catalogueId);
    }
  }

  private changed(event: EncodersChangedEvent): void {
    this.options.emit(ENCODERS_CHANGED_EVENT, event);
  }
}
