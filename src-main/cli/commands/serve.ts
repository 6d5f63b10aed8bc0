import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, numberOption, option, parseArgs, UsageError } from '../args.ts';
import { EngineService } from '../../engine/service.ts';
import { startServer } from '../../server/server.ts';

const projectRoot = resolve(import.meta.dirname, '../../..');

export const serveCommand: CliCommand = {
  path: ['serve'],
  summary: 'serve the app to a browser on 127.0.0.1 (token-protected)',
  usage: 'floodlens serve [--port N] [--workspace <dir>]',
  async run(argv, io) {
    const args = parseArgs(argv);
    assertKnownOptions(args, ['port', 'workspace']);
    const rendererDir = resolve(projectRoot, 'out/renderer');
    if (!existsSync(resolve(rendererDir, 'index.html'))) {
      throw new UsageError('the renderer is not built: run `npm run build` first');
    }
    const workspace = resolve(option(args, 'workspace') ?? resolve(projectRoot, 'resources/demo'));
    const service = new EngineService({ demoWorkspace: existsSync(workspace) ? workspace : null });
    const server = await startServer({ service, rendererDir, port: numberOption(args, 'port', 0) });
    io.stdout(`Floodlens is serving on ${server.url}\n`);
    await new Promise<void>((done) => {
      const stop = () => void server.close().then(done);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
