/**
 * CLI arguments are validated at the boundary with the contract's zod schemas: each bad value is a usage
 * error (exit 2) naming the flag, before any job starts or any file is written.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs, portOption } from '../../src-main/cli/args.ts';
import { runCli } from '../../src-main/cli/main.ts';
import { repoRoot } from '../helpers/shared.ts';

const data = join(repoRoot, 'resources/demo/sen1floods11');
// Made at collection time: the test table below names paths inside it.
const temp = mkdtempSync(join(tmpdir(), 'floodlens-cli-sec-'));
const aFile = join(temp, 'a-file.txt');
const runDir = join(temp, 'existing-run');

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

beforeAll(() => {
  writeFileSync(aFile, 'x');
  mkdirSync(runDir);
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe.skipIf(!existsSync(data))('train: numbers, enums and paths', () => {
  const base = () => ['train', '--data', data, '--model', 'scratch', '--out', join(temp, 'new-run')];
  const cases: [string, string[], RegExp][] = [
    ['negative epochs', ['--epochs', '-3'], /--epochs: .*(>|positive).*\(got -3\)/i],
    ['fractional epochs', ['--epochs', '2.5'], /--epochs: .*int/i],
    ['learning rate not a number', ['--lr', 'abc'], /--lr must be a number, got "abc"/],
    ['empty learning rate', ['--lr='], /--lr must be a number/],
    ['zero learning rate', ['--lr', '0'], /--lr: /],
    ['infinite learning rate', ['--lr', 'Infinity'], /--lr must be a number/],
    ['zero batch size', ['--batch-size', '0'], /--batch-size: /],
    ['validation share above 0.9', ['--val-split', '1.5'], /--val-split: /],
    ['threshold of 1', ['--threshold', '1'], /--threshold: /],
    ['negative seed', ['--seed', '-1'], /--seed: /],
    ['negative patience', ['--patience', '-2'], /--patience: /],
    ['zero chip size', ['--chip-size', '0'], /--chip-size: /],
    ['negative encoder tile', ['--encoder-tile', '-256'], /--encoder-tile: /],
    ['fractional encoder tile', ['--encoder-tile', '25.6'], /--encoder-tile: .*int/i],
    ['unknown model', ['--model', 'cnn'], /--model must be one of scratch, clay-decoder, linear-probe/],
    ['missing data folder', ['--data', join(temp, 'nope')], /--data: no such folder/],
    ['data is a file', ['--data', aFile], /--data: not a folder/],
    ['missing encoder checkpoint', ['--encoder', join(temp, 'nope.ckpt')], /--encoder: no such file/],
    ['embeddings folder missing', ['--embeddings', join(temp, 'no-embeddings')], /--embeddings: no such folder/],
    ['out is a file', ['--out', aFile], /--out: is a file/],
    ['misspelt option', ['--epoch', '3'], /unknown option --epoch/],
  ];
  for (const [what, extra, message] of cases) {
    it(`refuses ${what}`, async () => {
      const result = await cli([...base(), ...extra]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('floodlens train --data <dir>'); // the usage follows the error
      expect(existsSync(join(temp, 'new-run'))).toBe(false); // nothing started, nothing written
    });
  }

  it('refuses --resume of a run folder that does not exist', async () => {
    const result = await cli(['train', '--resume', '--out', join(temp, 'no-such-run')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--out: no such folder/);
  });
});

describe.skipIf(!existsSync(data))('evaluate, predict, compare', () => {
  it('evaluate refuses a missing run folder, an unknown split and an unknown checkpoint', async () => {
    expect((await cli(['evaluate', '--run', join(temp, 'nope'), '--data', data])).stderr).toMatch(/--run: no such folder/);
    const split = await cli(['evaluate', '--run', runDir, '--data', data, '--split', 'everything']);
    expect(split.code).toBe(2);
    expect(split.stderr).toMatch(/--split must be one of/);
    expect((await cli(['evaluate', '--run', runDir, '--data', data, '--checkpoint', 'worst'])).stderr).toMatch(
      /--checkpoint must be best or last/,
    );
    expect((await cli(['evaluate', '--run', runDir, '--data', aFile])).stderr).toMatch(/--data: not a folder/);
  });

  it('predict refuses an output path that is a file, and a missing data folder', async () => {
    const out = await cli(['predict', '--run', runDir, '--data', data, '--out', aFile]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--out: is a file/);
    expect((await cli(['predict', '--run', runDir, '--data', join(temp, 'nope'), '--out', join(temp, 'masks')])).stderr).toMatch(
      /--data: no such folder/,
    );
    expect(existsSync(join(temp, 'masks'))).toBe(false);
  });

  it('compare refuses missing run folders and an empty chip list', async () => {
    const missing = await cli(['compare', runDir, join(temp, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run folder ".*nope": no such folder/);
    expect((await cli(['compare', runDir, '--chips', ',,'])).stderr).toMatch(/--chips must be a comma-separated list/);
    expect((await cli(['compare', runDir, '--data', join(temp, 'nope')])).stderr).toMatch(/--data: no such folder/);
  });
});

describe('serve', () => {
  for (const port of ['70000', '-1', 'abc', '80.5', '1e3', '']) {
    it(`refuses --port "${port}"`, async () => {
      const result = await cli(['serve', `--port=${port}`]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--port must be a whole number from 0 to 65535/);
    });
  }

  it('accepts ports 0 to 65535', () => {
    expect(portOption(parseArgs(['--port', '0']), 'port')).toBe(0);
    expect(portOption(parseArgs(['--port', '65535']), 'port')).toBe(65535);
    expect(portOption(parseArgs([]), 'port')).toBe(0);
  });

  it.skipIf(!existsSync(join(repoRoot, 'out/renderer/index.html')))(
    'refuses a missing workspace and an export folder that is a file',
    async () => {
      expect((await cli(['serve', '--workspace', join(temp, 'nope')])).stderr).toMatch(/--workspace: no such folder/);
      const exportDir = await cli(['serve', '--export-dir', aFile]);
      expect(exportDir.code).toBe(2);
      expect(exportDir.stderr).toMatch(/--export-dir: is a file/);
    },
  );
});
