import fc from 'fast-check';
import { boundedCase } from '../test/fuzz/harness.ts';
import { buildZipCase, CheckpointWorkspace, checkpointTarget, isCheckpointError, makeBaseCheckpoint, zipCaseArbitrary, pickleEditsArbitrary, applyPickleEdits, pickleTarget } from '../test/fuzz/checkpoint-fuzz.ts';
const base = await makeBaseCheckpoint();
const ws = new CheckpointWorkspace();
const cases = fc.sample(zipCaseArbitrary, { seed: 3, numRuns: 200 });
let t = performance.now();
const bytes = cases.map((c) => buildZipCase(base, c));
console.log('build', (performance.now() - t) / 200, 'ms', bytes.reduce((a,b)=>a+b.length,0)/200);
t = performance.now();
const paths = bytes.map((b) => ws.write(b));
console.log('write', (performance.now() - t) / 200);
t = performance.now();
for (const p of paths) { try { await checkpointTarget(p); } catch (e) { if (!isCheckpointError(e)) throw e; } }
console.log('target', (performance.now() - t) / 200);
t = performance.now();
for (const p of paths) await boundedCase(() => checkpointTarget(p), isCheckpointError);
console.log('bounded', (performance.now() - t) / 200);
t = performance.now();
const edits = fc.sample(pickleEditsArbitrary, { seed: 3, numRuns: 500 });
console.log('gen pickles', (performance.now() - t) / 500);
t = performance.now();
for (const e of edits) { try { pickleTarget(applyPickleEdits(base.records[base.pickleIndex].data, e)); } catch (x) { if (!isCheckpointError(x)) throw x; } }
console.log('pickle target', (performance.now() - t) / 500);
ws.dispose();
