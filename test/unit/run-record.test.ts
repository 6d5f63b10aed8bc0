/** run.json has one reader and writer (engine/run/run-record.ts): what is wrong with the file is reported with its path. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunRecord, readRunRecordIfAny, RunRecordError } from '../../src-main/engine/run/run-record.ts';

const root = mkdtempSync(join(tmpdir(), 'floodlens-run-record-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function runDirWith(name: string, runJson: string | null): string {
  const dir = join(root, name);
  mkdirSync(dir);
  if (runJson !== null) writeFileSync(join(dir, 'run.json'), runJson);
  return dir;
}

describe('run.json reader', () => {
  it('a folder without run.json is not a run; readRunRecordIfAny says null', async () => {
    const dir = runDirWith('empty', null);
    await expect(readRunRecord(dir)).rejects.toMatchObject({
      code: 'bad-input',
      file: join(dir, 'run.json'),
      message: expect.stringMatching(/is not a Floodlens run/),
    });
    expect(await readRunRecordIfAny(dir)).toBeNull();
  });

  it('truncated JSON names the file and says it is not JSON', async () => {
    const dir = runDirWith('truncated', '{"config": {"model": "scr');
    const error = await readRunRecord(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunRecordError);
    expect(error).toMatchObject({ file: join(dir, 'run.json'), message: expect.stringMatching(/run\.json: not valid JSON/) });
  });

  it('JSON that is not a run record names the file and the first wrong field', async () => {
    const dir = runDirWith('wrong', JSON.stringify({ config: { model: 'scratch' }, status: 'sleeping' }));
    await expect(readRunRecord(dir)).rejects.toThrow(/run\.json: not a valid run record \(\w+/);
  });
});
