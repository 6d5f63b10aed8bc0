import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, checkPath, parseArgs, pathOption, portOption, UsageError } from '../args.ts';
import { EngineService } from '../../engine/service.ts';
import { startServer } from '../../server/server.ts';
import { defaultCliDataDir, weightsDir as weightsDirOf } from '../../engine/weights/weights-dir.ts';

const projectRoot = resolve(import.meta.dirname, '../../..');

/** A fresh clone (`npm ci`) has no build yet: build the app once, on demand, as `npm run build` would. */
function buildRenderer(io: { stdout: (text: string) => void }): void {
  io.stdout('The app is not built yet: building it once (about a minute)…\n');
  const cli = resolve(projectRoot, 'node_modules/electron-vite/bin/electron-vite.js');
  const result = spawnSync(process.execPath, [cli, 'build'], { cwd: projectRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0)
    throw new UsageError(`building the app failed (exit ${result.status ?? result.signal}): run \`npm run build\` to see why`);
}

export const serveCommand: CliCommand = {
  path: ['serve'],
  summary: 'serve the app to a browser on 127.0.0.1 (token-protected)',
  usage:
    'floodlens serve [--port N] [--workspace <dataset dir>] [--workspace-dir <runs dir>] [--export-dir <dir>] [--weights-dir <dir>] [--data-dir <dir>]...\n' +
    '  --workspace-dir: where runs are kept (default $FLOODLENS_HOME/workspace, else ~/.floodlens/workspace)\n' +
    '  --export-dir: the only folder exports from the browser may write into (exports are off without it)\n' +
    '  --data-dir: a folder the browser may read datasets from (repeatable); nothing outside these, the workspace and the runs is readable\n' +
    '  --weights-dir: Clay checkpoints the browser may use (by name) and where downloads go (default $FLOODLENS_HOME/weights, else ~/.floodlens/weights)',
  async run(argv, io) {
    const args = parseArgs(argv);
    assertKnownOptions(args, ['port', 'workspace', 'workspace-dir', 'export-dir', 'weights-dir', 'data-dir']);
    const port = portOption(args, 'port');
    const rendererDir = resolve(projectRoot, 'out/renderer');
    if (!existsSync(resolve(rendererDir, 'index.html'))) buildRenderer(io);
    const workspace = pathOption(args, 'workspace', 'existing-folder') ?? resolve(projectRoot, 'resources/demo');
    const workspaceDir = pathOption(args, 'workspace-dir', 'folder-or-new') ?? resolve(defaultCliDataDir(), 'workspace');
    const exportDir = pathOption(args, 'export-dir', 'folder-or-new');
    const weightsDir = resolve(pathOption(args, 'weights-dir', 'folder-or-new') ?? weightsDirOf(defaultCliDataDir()));
    const service = new EngineService({
      demoWorkspace: existsSync(workspace) ? workspace : null,
      workspaceDir,
      exportTarget: exportDir ? { kind: 'folder', dir: resolve(exportDir) } : null,
      weightsDir,
      // the browser may read only these (and nothing else on the disk): --data-dir folders, the workspace, the runs
      readRoots: [
        ...(args.options.get('data-dir') ?? []).map((dir) => checkPath(dir, `--data-dir "${dir}"`, 'existing-folder')),
        workspace,
        workspaceDir,
      ],
    });
    const server = await startServer({ service, rendererDir, port });
    io.stdout(`Floodlens is serving on ${server.url}\n`);
    io.stdout(
      `runs: ${workspaceDir}${exportDir ? ` · exports: ${resolve(exportDir)}` : ' · exports off (--export-dir)'} · weights: ${weightsDir}\n`,
    );
    await new Promise<void>((done) => {
      const stop = () => void Promise.all([server.close(), service.close()]).then(() => done());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
