import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineFolderCycles, engineRank, findEngineRankViolations, findLayerViolations, importsOf } from './layers.ts';
import { repoRoot } from '../helpers/shared.ts';

describe('layering', () => {
  it('the source tree imports only downward', () => {
    expect(findLayerViolations(repoRoot)).toEqual([]);
  });

  describe('the checker bites', () => {
    const root = mkdtempSync(join(tmpdir(), 'floodlens-layers-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write(
      'src-main/api/contract.ts',
      "import { z } from 'zod';\nimport { readFile } from 'node:fs';\nimport { x } from '../engine/x.ts';\n",
    );
    write('src-main/engine/x.ts', "import { app } from 'electron';\nimport type { Y } from '../api/contract.ts';\nexport const x = 1;\n");
    write('src-main/engine/y.ts', "const e = await import('../electron/main.ts');\n");
    write('src-main/electron/main.ts', "import { x } from '../engine/x.ts';\nimport { s } from '../server/server.ts';\n");
    write('src-main/server/server.ts', "export { x } from '../engine/x.ts';\n");
    write(
      'src-renderer/src/App.svelte',
      "<script lang=\"ts\">\n  import fs from 'node:fs';\n  import { readFile } from 'fs/promises';\n  import { x } from '../../src-main/engine/x.ts';\n  import type { C } from '../../src-main/api/contract.ts';\n</script>\n",
    );

    const found = findLayerViolations(root)
      .map((v) => `${v.file.split('\\').join('/')} -> ${v.specifier}`)
      .sort();

    it('flags each forbidden import and nothing else', () => {
      expect(found).toEqual(
        [
          'src-main/api/contract.ts -> node:fs',
          'src-main/api/contract.ts -> ../engine/x.ts',
          'src-main/engine/x.ts -> electron',
          'src-main/engine/y.ts -> ../electron/main.ts',
          'src-main/electron/main.ts -> ../server/server.ts',
          'src-renderer/src/App.svelte -> node:fs',
          'src-renderer/src/App.svelte -> fs/promises',
          'src-renderer/src/App.svelte -> ../../src-main/engine/x.ts',
        ].sort(),
      );
    });
  });

  describe('the engine rank', () => {
    it('engine folders import only down the rank, and every folder has a rank', () => {
      expect(findEngineRankViolations(repoRoot)).toEqual([]);
    });

    it('has no folder cycles', () => {
      expect(engineFolderCycles(repoRoot)).toEqual([]);
    });

    it('ranks every folder once, including the vector/ and scene/ folders being built', () => {
      const units = engineRank.flat();
      expect(new Set(units).size).toBe(units.length);
      expect(units).toEqual(expect.arrayContaining(['vector', 'scene', 'inputs', 'run', 'jobs', 'service.ts']));
    });

    describe('the rank checker bites', () => {
      const root = mkdtempSync(join(tmpdir(), 'floodlens-rank-'));
      afterAll(() => rmSync(root, { recursive: true, force: true }));
      const write = (path: string, text: string) => {
        mkdirSync(join(root, path, '..'), { recursive: true });
        writeFileSync(join(root, path), text);
      };
      write(
        'src-main/engine/fs/a.ts',
        "import type { C } from '../../api/contract.ts';\nimport { b } from '../geo/b.ts';\nimport { a2 } from './a2.ts';\n",
      );
      write('src-main/engine/fs/a2.ts', 'export const a2 = 1;\n');
      write('src-main/engine/geo/b.ts', "import { a } from '../fs/a.ts';\nexport const b = a;\n");
      write('src-main/engine/run/r.ts', "export * from '../inputs/i.ts';\nimport { v } from '../versions.ts';\n");
      write('src-main/engine/training/t.ts', "import { e } from '../evaluation/e.ts';\nimport { r } from '../run/r.ts';\n");
      write('src-main/engine/evaluation/e.ts', "import { r } from '../run/r.ts';\nconst jobs = await import('../jobs/registry.ts');\n");
      write('src-main/engine/shiny/n.ts', "import { a } from '../fs/a.ts';\n");
      write('src-main/engine/service.ts', "import { t } from './training/t.ts';\nimport { n } from './shiny/n.ts';\n");

      const found = findEngineRankViolations(root);
      const lines = found.map((v) => `${v.file.split('\\').join('/')} -> ${v.specifier}`).sort();

      it('flags imports up or across the rank, and unranked folders, and nothing else', () => {
        expect(lines).toEqual(
          [
            'src-main/engine/fs/a.ts -> ../geo/b.ts',
            'src-main/engine/training/t.ts -> ../evaluation/e.ts',
            'src-main/engine/evaluation/e.ts -> ../jobs/registry.ts',
            'src-main/engine/shiny -> ',
            'src-main/engine/service.ts -> ./shiny/n.ts',
          ].sort(),
        );
      });

      it('tells where to add a new folder', () => {
        const unranked = found.find((v) => v.file.endsWith('shiny'));
        expect(unranked?.reason).toMatch(/"shiny" has no rank: add it to engineRank in test\/architecture\/layers\.ts/);
      });

      it('finds the fs <-> geo ring', () => {
        expect(engineFolderCycles(root)).toEqual([['fs', 'geo']]);
      });
    });
  });

  it('parses the import forms we use', () => {
    const source = [
      "import a from 'a';",
      "import type { B } from './b.ts';",
      "import * as c from 'c';",
      "export { d } from './d.ts';",
      "import './side-effect.css';",
      "const e = await import('e');",
      "const f = require('f');",
      'import {\n  g,\n  h,\n} from "gh";',
    ].join('\n');
    expect(importsOf(source)).toEqual(['a', './b.ts', 'c', './d.ts', './side-effect.css', 'e', 'f', 'gh']);
  });
});
