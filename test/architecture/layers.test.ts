import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findLayerViolations, importsOf } from './layers.ts';
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
    write('src-main/api/contract.ts', "import { z } from 'zod';\nimport { readFile } from 'node:fs';\nimport { x } from '../engine/x.ts';\n");
    write('src-main/engine/x.ts', "import { app } from 'electron';\nimport type { Y } from '../api/contract.ts';\nexport const x = 1;\n");
    write('src-main/engine/y.ts', "const e = await import('../electron/main.ts');\n");
    write('src-main/electron/main.ts', "import { x } from '../engine/x.ts';\nimport { s } from '../server/server.ts';\n");
    write('src-main/server/server.ts', "export { x } from '../engine/x.ts';\n");
    write('src-renderer/src/App.svelte', "<script lang=\"ts\">\n  import fs from 'node:fs';\n  import { readFile } from 'fs/promises';\n  import { x } from '../../src-main/engine/x.ts';\n  import type { C } from '../../src-main/api/contract.ts';\n</script>\n");

    const found = findLayerViolations(root).map((v) => `${v.file.split('\\').join('/')} -> ${v.specifier}`).sort();

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
