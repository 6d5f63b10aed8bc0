/**
 * Not a test: converts a full-shape synthetic Clay v1.5 Lightning checkpoint (~5.2 GB: encoder, DINOv2
 * teacher, decoder, Adam state; written by torch.save in a temp folder) to the encoder cache in a fresh
 * process, and reports what the conversion read, how long it took and its peak RSS.
 *   npx tsx scripts/clay-v15-convert.ts [--keep <folder>]
 * Prints one JSON line. Needs Debian python3-torch and ~7 GB free in the temp folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { keep: { type: 'string' } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const work = values.keep ?? mkdtempSync(join(tmpdir(), 'floodlens-v15-convert-'));
const checkpoint = join(work, 'clay-v1.5-synthetic.ckpt');
try {
  let t = performance.now();
  const written = JSON.parse(
    execFileSync('/usr/bin/python3', [join(root, 'test/helpers/write_clay_v15_checkpoint.py'), checkpoint, '--scale', 'full'], {
      encoding: 'utf8',
      timeout: 1_800_000,
    }),
  );
  const writeSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const converted = JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'src-main/cli/main.ts'),
        'weights',
        'convert',
        checkpoint,
        '--cache-dir',
        join(work, 'cache'),
        '--json',
      ],
      {
        encoding: 'utf8',
        timeout: 1_800_000,
        cwd: root,
      },
    ),
  );
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const c = converted.conversion;
  console.log(
    JSON.stringify({
      checkpoint: {
        bytes: written.bytes,
        encoderParams: written.encoderParams,
        teacherParams: written.teacherParams,
        decoderParams: written.decoderParams,
        optimizerTensors: written.optimizerTensors,
        writeSeconds: +writeSeconds.toFixed(1),
      },
      encoder: converted.encoder,
      cacheFile: converted.cacheFile,
      readMb: mb(c.bytesRead),
      encoderMb: mb(c.encoderBytes),
      checkpointMb: mb(c.checkpointBytes),
      convertSeconds: +c.seconds.toFixed(1),
      processSeconds: +((performance.now() - t) / 1000).toFixed(1),
      peakRssMb: mb(c.peakRssBytes),
    }),
  );
} finally {
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}
