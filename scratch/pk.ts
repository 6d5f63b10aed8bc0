import fc from 'fast-check';
import { isCheckpointError, makeBaseCheckpoint, pickleEditsArbitrary, applyPickleEdits, pickleTarget } from '../test/fuzz/checkpoint-fuzz.ts';
const base = await makeBaseCheckpoint();
const edits = fc.sample(pickleEditsArbitrary, { seed: 3, numRuns: 1000 });
const times: number[] = []; const sizes: number[] = [];
for (const e of edits) { const p = applyPickleEdits(base.records[base.pickleIndex].data, e); sizes.push(p.length); const t = performance.now(); try { pickleTarget(p); } catch (x) { if (!isCheckpointError(x)) throw x; } times.push(performance.now() - t); }
const s = [...times].sort((a, b) => a - b);
console.log('median', s[500], 'p90', s[900], 'p99', s[990], 'max', s[999], 'sum', times.reduce((a, b) => a + b));
const big = times.map((t, i) => [t, sizes[i]]).sort((a, b) => b[0] - a[0]).slice(0, 5); console.log(big);
