import { describeSeedNetParity } from './parity-seed-nets.suite.ts';

describeSeedNetParity('wasm', { tensor: 1e-4, chainedAdam: 1e-3 });
