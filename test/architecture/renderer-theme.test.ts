import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LABEL_COLOURS, rgbHex } from '../../src-main/api/preview.ts';
import { RUN_MASK_COLOURS } from '../../src-main/api/runs.ts';
import { repoRoot } from '../helpers/shared.ts';
import { colourLiterals, colourLiteralsIn, scriptColourLiterals, sourceFiles, themeVariables, variablesUsed } from './renderer-theme.ts';

const rendererDir = join(repoRoot, 'src-renderer/src');
const themeCss = readFileSync(join(rendererDir, 'theme.css'), 'utf8');

describe('renderer theme', () => {
  it('no .svelte file holds a colour literal (colours live in theme.css)', () => {
    expect(colourLiteralsIn(repoRoot, rendererDir)).toEqual([]);
  });

  it('renderer scripts name colours only in map/map-colours.ts (MapLibre paint, canvas)', () => {
    const owner = join(rendererDir, 'map/map-colours.ts');
    const found = sourceFiles(rendererDir, '.ts')
      .filter((path) => path !== owner)
      .flatMap((path) => scriptColourLiterals(readFileSync(path, 'utf8'), relative(repoRoot, path)));
    expect(found).toEqual([]);
  });

  it('every var(--fl-…) the renderer uses is defined in theme.css', () => {
    const defined = themeVariables(themeCss);
    const sources = ['.svelte', '.ts', '.css'].flatMap((extension) => sourceFiles(rendererDir, extension));
    const undefinedUses = sources.flatMap((path) =>
      variablesUsed(readFileSync(path, 'utf8'))
        .filter((name) => !defined.has(name))
        .map((name) => `${relative(repoRoot, path)}: ${name}`),
    );
    expect(undefinedUses).toEqual([]);
  });

  it("the map colours the UI repeats equal the api's", () => {
    const theme = themeVariables(themeCss);
    expect(theme.get('--fl-water')).toBe(rgbHex(LABEL_COLOURS.water));
    expect(theme.get('--fl-dry')).toBe(rgbHex(LABEL_COLOURS.notWater));
    expect(theme.get('--fl-run-a')).toBe(rgbHex(RUN_MASK_COLOURS.a));
    expect(theme.get('--fl-run-b')).toBe(rgbHex(RUN_MASK_COLOURS.b));
  });

  it('the checker bites on every way of writing a colour, and not on Svelte blocks or entities', () => {
    const component = [
      '<script lang="ts">',
      "  const colour = '#0072b2';",
      '</script>',
      '{#each items as item (item)}{#if item}&#160;<span style:background="var(--fl-accent)"></span>{/if}{/each}',
      '<svg><rect fill="red" /><line stroke={"#abc"} /></svg>',
      '<style>',
      '  .a { color: var(--fl-text); white-space: nowrap; border: 1px solid var(--fl-border); }',
      '  .b { background: rgba(0, 0, 0, 0.5); }',
      '  .c { fill: hsl(10 50% 50%); }',
      '  .d {',
      '    border-color: white;',
      '    box-shadow: 0 0 0 1px #ffffff66;',
      '  }',
      '  /* #123456 in a comment is fine */',
      '</style>',
    ].join('\n');
    expect(colourLiterals(component).map((c) => c.line)).toEqual([2, 5, 8, 9, 11, 12]);
    const script = "const a = '#17324d';\nconst b = `rgba(0, 0, 0, ${alpha})`;\nconst id = '#app';\nconst c = 'var(--fl-ink)';";
    expect(scriptColourLiterals(script).map((c) => c.line)).toEqual([1, 2]);
  });
});
