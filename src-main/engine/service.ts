import { ContractError, parseRequest, type RequestName, type RequestPayload, type ResponsePayload } from '../api/contract.ts';
import { runJob } from './jobs/worker-host.ts';
import { floodlensVersion } from './versions.ts';
import { chipFootprint } from './preview/footprint.ts';
import { chipPreview } from './preview/chip-preview.ts';

export interface EngineServiceOptions {
  demoWorkspace: string | null;
}

type Handler<K extends RequestName> = (payload: RequestPayload<K>) => Promise<ResponsePayload<K>>;

/**
 * Implements the api contract on top of the engine. Every host (Electron main, the HTTP server,
 * tests) calls `handle` with untrusted input; validation happens here, once.
 */
export class EngineService {
  private readonly handlers: { [K in RequestName]: Handler<K> };

  constructor(private readonly options: EngineServiceOptions) {
    this.handlers = {
      'engine.info': async () => ({
        appVersion: floodlensVersion,
        backend: null,
        platform: `${process.platform}-${process.arch}`,
        demoWorkspace: this.options.demoWorkspace,
      }),
      'dataset.inspect': (payload) => runJob('dataset.inspect', { dir: payload.dir }),
      'chip.footprints': async (payload) => payload.chips.map(chipFootprint),
      // Light work (one chip read + a control-grid warp, ~0.1–0.5 s): runs in-process, not in a worker.
      'chip.preview': (payload) => chipPreview(payload.chip, payload.layer),
    };
  }

  async handle(name: string, payload: unknown): Promise<unknown> {
    const request = parseRequest(name, payload);
    const handler = this.handlers[request.name] as ((payload: unknown) => Promise<unknown>) | undefined;
    if (!handler) throw new ContractError('unknown-request', `no handler for "${name}"`);
    return handler(request.payload);
  }
}
