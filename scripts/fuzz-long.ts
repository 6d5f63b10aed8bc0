/**
 * The CI fuzz properties with a long budget:
 *   npx tsx scripts/fuzz-long.ts [--runs N] [--seconds S] [--seed N] [--only geotiff|pickle|zip]
 * Each property runs until N cases or S seconds (whichever first).
 *
 * Background-friendly marathon (≥ 1,000,000 cases), in chunks of fresh child processes, resumable:
 *   nice -n 19 npx tsx scripts/fuzz-long.ts --total 1000000 --chunk-seconds 120 --state fuzz-state.json
 * Each chunk runs the three properties with the next seed for chunk-seconds/3 each and adds its counts to
 * the state file (cases, seconds, cases/s, failures); stopping and restarting continues the totals. A failure is minimised by
 * fast-check and saved under test/fixtures/fuzz-regressions/ (replayed by test/fuzz/regressions.test.ts).
 * A crash that kills the process (out of memory) leaves its input as in-progress-<property>.*.crash there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { boundedCase, FuzzStats, REGRESSIONS_DIR, runFuzz } from '../test/fuzz/harness.ts';
import {
  applyTiffMutations,
  isChipReadError,
  loadTiffSources,
  tiffCaseArbitrary,
  tiffTarget,
  TiffWorkspace,
} from '../test/fuzz/tiff-fuzz.ts';
import {
  applyPickleEdits,
  buildZipCase,
  CheckpointWorkspace,
  checkpointTarget,
  isCheckpointError,
  makeBaseCheckpoint,
  pickleEditsArbitrary,
  pickleTarget,
  zipCaseArbitrary,
} from '../test/fuzz/checkpoint-fuzz.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '600' },
    seed: { type: 'string' },
    only: { type: 'string' },
    total: { type: 'string' },
    'chunk-seconds': { type: 'string', default: '120' },
    state: { type: 'string', default: 'fuzz-long-state.json' },
  },
});

interface MarathonState {
  seed: number;
  chunks: number;
  seconds: number;
  cases: Record<string, number>;
  failures: string[];
}

/** Runs chunks in child processes until `total` cases; each chunk's summary line is `FUZZ-JSON {…}`. */
function marathon(total: number, chunkSeconds: number, statePath: string): never {
  const state: MarathonState = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, 'utf8')) as MarathonState)
    : { seed: Date.now() % 2 ** 31, chunks: 0, seconds: 0, cases: {}, failures: [] };
  const sum = () => Object.values(state.cases).reduce((a, b) => a + b, 0);
  while (sum() < total) {
    const seed = state.seed + state.chunks;
    const started = performance.now();
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, import.meta.filename, '--seed', String(seed), '--seconds', String(chunkSeconds / 3)],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    const seconds = (performance.now() - started) / 1000;
    const summary = /^FUZZ-JSON (.*)$/m.exec(child.stdout ?? '');
    const counts = summary ? (JSON.parse(summary[1]) as Record<string, number>) : {};
    for (const [name, cases] of Object.entries(counts)) state.cases[name] = (state.cases[name] ?? 0) + cases;
    if (child.status !== 0)
      state.failures.push(
        `chunk ${state.chunks} (seed ${seed}): exit ${child.status ?? child.signal}: ${(child.stderr ?? '').slice(0, 2000)}${(child.stdout ?? '').slice(-2000)}`,
      );
    state.chunks++;
    state.seconds += seconds;
    writeFileSync(statePath, JSON.stringify(state, null, 2));
    console.log(
      `chunk ${state.chunks} seed ${seed}: ${JSON.stringify(counts)} in ${seconds.toFixed(0)} s; total ${sum()} cases (${JSON.stringify(state.cases)}), ` +
        `${(sum() / state.seconds).toFixed(1)} cases/s, ${state.failures.length} failing chunk(s)`,
    );
  }
  process.exit(state.failures.length > 0 ? 1 : 0);
}
if (values.total !== undefined) marathon(Number(values.total), Number(values['chunk-seconds']), values.state!);

const numRuns = Number(values.runs);
const seconds = Number(values.seconds);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const wanted = (name: string) => !values.only || values.only === name;
console.log(`fuzz-long: seed ${seed}, up to ${numRuns} runs or ${seconds} s per property`);

let failed = false;
const counts: Record<string, number> = {};
async function property(name: string, run: (stats: FuzzStats) => Promise<void>): Promise<void> {
  if (!wanted(name)) return;
  const stats = new FuzzStats();
  const started = performance.now();
  try {
    await run(stats);
  } catch (error) {
    failed = true;
    console.error((error as Error).message.slice(0, 4000));
  }
  counts[name] = stats.cases;
  console.log(`${stats.summary(name)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  for (const [message, count] of [...stats.messages].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`   ${String(count).padStart(6)} × ${message}`);
}

await property('geotiff', async (stats) => {
  const sources = loadTiffSources();
  const workspace = new TiffWorkspace(sources);
  try {
    await runFuzz(
      'geotiff',
      tiffCaseArbitrary(sources.length),
      async (c) => {
        const source = sources[c.source];
        const { dir, file } = workspace.prepare(source, applyTiffMutations(source, c.mutations));
        stats.record(await boundedCase(() => tiffTarget(dir, file), isChipReadError));
      },
      (c) => ({
        prefix: `tiff-${sources[c.source].name.replace(/\.tif$/, '')}`,
        extension: 'tif',
        bytes: applyTiffMutations(sources[c.source], c.mutations),
      }),
      { seed, numRuns, seconds, inProgressFile: join(REGRESSIONS_DIR, 'in-progress-geotiff.tif.crash') },
    );
  } finally {
    workspace.dispose();
  }
});

const base = await makeBaseCheckpoint();
const honest = { lies: [], bomb: null, extraRecords: [] };
await property('pickle', async (stats) => {
  const workspace = new CheckpointWorkspace();
  const pickleOf = (edits: Parameters<typeof applyPickleEdits>[1]) => applyPickleEdits(base.records[base.pickleIndex].data, edits);
  try {
    await runFuzz(
      'pickle',
      pickleEditsArbitrary,
      async (edits) => {
        const pickle = pickleOf(edits);
        stats.record(await boundedCase(async () => pickleTarget(pickle), isCheckpointError));
        const path = workspace.write(buildZipCase(base, honest, pickle));
        stats.record(await boundedCase(() => checkpointTarget(path), isCheckpointError));
      },
      (edits) => ({ prefix: 'ckpt-pickle', extension: 'pt', bytes: buildZipCase(base, honest, pickleOf(edits)) }),
      { seed, numRuns, seconds, inProgressFile: join(REGRESSIONS_DIR, 'in-progress-pickle.pt.crash') },
    );
  } finally {
    workspace.dispose();
  }
});

await property('zip', async (stats) => {
  const workspace = new CheckpointWorkspace();
  try {
    await runFuzz(
      'zip',
      zipCaseArbitrary,
      async (c) => {
        const path = workspace.write(buildZipCase(base, c));
        stats.record(await boundedCase(() => checkpointTarget(path), isCheckpointError));
      },
      (c) => ({ prefix: 'ckpt-zip', extension: 'pt', bytes: buildZipCase(base, c) }),
      { seed, numRuns, seconds, inProgressFile: join(REGRESSIONS_DIR, 'in-progress-zip.pt.crash') },
    );
  } finally {
    workspace.dispose();
  }
});

console.log(`FUZZ-JSON ${JSON.stringify(counts)}`);
process.exitCode = failed ? 1 : 0;
