import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.ts';
import { identifyClayEncoderFile, readClayEncoderTensors } from '../../src-main/engine/clay/cache/index.ts';
import { SYSTEM_PYTHON, runPythonJson } from '../helpers/python-reference.ts';
import { needs } from '../helpers/references.ts';
import { repoRoot } from '../helpers/shared.ts';

// A Lightning checkpoint with the released v1.5 key layout (encoder + DINOv2 teacher + proj + decoder +
// Adam state), written by torch.save at a scaled-down width: scripts/clay-v15-convert.ts does the same at full size.
const work = mkdtempSync(join(tmpdir(), 'floodlens-v15-convert-'));
const checkpoint = join(work, 'clay-v1.5-small.ckpt');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!needs('v1.5 checkpoint conversion', 'torch'))('converting a v1.5 Lightning checkpoint reads only the encoder', () => {
  let written: { bytes: number; encoderKeys: number; encoderParams: number; optimizerTensors: number };
  beforeAll(() => {
    written = JSON.parse(
      execFileSync(
        SYSTEM_PYTHON,
        [join(repoRoot, 'test/helpers/write_clay_v15_checkpoint.py'), checkpoint, '--scale', 'small', '--seed', '7'],
        { encoding: 'utf8' },
      ),
    );
  }, 60_000);

  it('streams the encoder tensors into the cache and never reads the teacher, decoder or optimizer records', async () => {
    const cacheDir = join(work, 'cache');
    const first = await identifyClayEncoderFile(checkpoint, { cacheDir });
    expect(first.from).toBe('checkpoint');
    expect(first.spec.version).toBe('v1.5');
    expect(first.spec).toMatchObject({ dim: 64, depth: 2, heads: 4 });
    const c = first.conversion!;
    expect(c.encoderBytes).toBe(written.encoderParams * 4);
    expect(c.checkpointBytes).toBe(written.bytes);
    // Everything else (teacher, decoder, Adam moments: about 2/3 of the file) stays unread: reads are the
    // zip directory, data.pkl and the encoder's own records.
    expect(c.checkpointBytes).toBeGreaterThan(3 * c.encoderBytes);
    expect(c.bytesRead).toBeGreaterThanOrEqual(c.encoderBytes);
    expect(c.bytesRead).toBeLessThan(c.encoderBytes + 256 * 1024);
    expect(c.peakRssBytes).toBeGreaterThan(0);

    // The cache holds exactly torch's values, keys and order (judge: torch.load).
    const cached = await readClayEncoderTensors(checkpoint, { cacheDir });
    expect(cached.from).toBe('cache');
    expect(cached.fingerprint).toBe(first.fingerprint);
    const reference = runPythonJson<{ keys: string[]; sums: number[]; firsts: number[] }>(
      `import json, sys, torch
sd = torch.load(sys.argv[1], map_location="cpu")["state_dict"]
keys = [k for k in sd if k.startswith("model.encoder.")]
print(json.dumps({"keys": keys, "sums": [float(sd[k].double().sum()) for k in keys], "firsts": [float(sd[k].flatten()[0]) for k in keys]}))`,
      [checkpoint],
    );
    expect([...cached.tensors.keys()]).toEqual(reference.keys);
    expect(reference.keys).toHaveLength(written.encoderKeys);
    [...cached.tensors.values()].forEach((t, i) => {
      expect(t.data[0]).toBe(Math.fround(reference.firsts[i]));
      expect(t.data.reduce((a, b) => a + b, 0)).toBeCloseTo(reference.sums[i], 3);
    });
  }, 60_000);

  it('`floodlens weights convert` reports what it read and the peak RSS', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: () => undefined };
    expect(await runCli(['weights', 'convert', checkpoint, '--cache-dir', join(work, 'cli-cache')], io)).toBe(0);
    expect(out.join('')).toMatch(
      /converted: .*\.flck\n {2}read [\d.]+ MB of [\d.]+ MB \(encoder [\d.]+ MB\) in [\d.]+ s, peak RSS [\d.]+ [MG]B/,
    );
    out.length = 0;
    expect(await runCli(['weights', 'convert', checkpoint, '--cache-dir', join(work, 'cli-cache'), '--json'], io)).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ from: 'cache', conversion: null });
  }, 60_000);
});
