import { readFileSync } from 'node:fs';
import { ContractError, parseRequest, type RequestName, type RequestPayload, type ResponsePayload } from '../api/contract.ts';
import { runJob } from './jobs/worker-host.ts';

export interface EngineServiceOptions {
  demoWorkspace: string | null;
}

type Handler<K extends RequestName> = (payload: RequestPayload<K>) => Promise<ResponsePayload<K>>;

const packageVersion = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

/**
 * Implements the api contract on top of the engine. Every host (Electron main, the HTTP server,
 * tests) calls `handle` with untrusted input; validation happens here, once.
 */
export class EngineService {
  private readonly handlers: { [K in RequestName]: Handler<K> };

  constructor(private readonly options: EngineServiceOptions) {
    this.handlers = {
      'engine.info': async () => ({
        appVersion: packageVersion,
        backend: null,
        platform: `${process.platform}-${process.arch}`,
        demoWorkspace: this.options.demoWorkspace,
      }),
      'dataset.inspect': (payload) => runJob('dataset.inspect', { dir: payload.dir }),
    };
  }

  async handle(name: string, payload: unknown): Promise<unknown> {
    const request = parseRequest(name, payload);
    const handler = this.handlers[request.name] as ((payload: unknown) => Promise<unknown>) | undefined;
    if (!handler) throw new ContractError('unknown-request', `no handler for "${name}"`);
    return handler(request.payload);
  }
}
