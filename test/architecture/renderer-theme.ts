/** What the renderer-theme test checks: colours live in theme.css, components only name them. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface ColourLiteral {
  file: string;
  line: number;
  text: string;
}

const HEX = /(?<![{&\w])#(?:[0-9a-f]{8}|[0-9a-f]{6}|[0-9a-f]{3,4})(?![\w-])/gi;
const FUNCTION = /\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(/gi;
const NAMED =
  'white|black|red|green|blue|gr[ae]y|orange|yellow|purple|pink|brown|silver|navy|teal|maroon|olive|lime|aqua|fuchsia|cyan|magenta';
// A named colour as the value of a colour property (CSS `fill: red`) or of an SVG/HTML attribute (`fill="red"`).
const NAMED_IN_CSS = new RegExp(
  `(?:^|[\\s;{])(?:color|background(?:-color)?|border(?:-[a-z]+)*|outline(?:-color)?|fill|stroke|box-shadow|stop-color|caret-color|accent-color|text-decoration-color)\\s*:[^;{}]*\\b(?:${NAMED})\\b`,
  'gi',
);
const NAMED_IN_ATTRIBUTE = new RegExp(`\\b(?:fill|stroke|color|stop-color)=["'{]\\s*['"]?(?:${NAMED})\\b`, 'gi');

/** Every colour literal in a Svelte component's text, one entry per line that has one. */
export function colourLiterals(text: string, file = ''): ColourLiteral[] {
  const found: ColourLiteral[] = [];
  text.split('\n').forEach((line, index) => {
    const code = line.replace(/\/\*.*?\*\/|<!--.*?-->/g, '');
    if ([HEX, FUNCTION, NAMED_IN_CSS, NAMED_IN_ATTRIBUTE].some((pattern) => code.match(pattern) !== null))
      found.push({ file, line: index + 1, text: line.trim() });
  });
  return found;
}

export function sourceFiles(dir: string, extension: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Colour literals in every .svelte file under `dir`, with paths relative to `root`. */
export function colourLiteralsIn(root: string, dir: string): ColourLiteral[] {
  return sourceFiles(dir, '.svelte').flatMap((path) => colourLiterals(readFileSync(path, 'utf8'), relative(root, path)));
}

/** Hex and rgb()/hsl() colours in a script's text (named colours are too common a word to flag in TS). */
export function scriptColourLiterals(text: string, file = ''): ColourLiteral[] {
  return text
    .split('\n')
    .flatMap((line, index) =>
      [HEX, FUNCTION].some((pattern) => line.match(pattern) !== null) ? [{ file, line: index + 1, text: line.trim() }] : [],
    );
}

/** theme.css's custom properties, with `var(--x)` references resolved. */
export function themeVariables(css: string): Map<string, string> {
  const raw = new Map([...css.matchAll(/(--fl-[\w-]+)\s*:\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));
  const resolve = (value: string, depth = 0): string =>
    depth > 10
      ? value
      : value.replace(/var\((--fl-[\w-]+)\)/g, (_, name: string) => resolve(raw.get(name) ?? `<undefined ${name}>`, depth + 1));
  return new Map([...raw].map(([name, value]) => [name, resolve(value)]));
}

/** Names used as `var(--fl-…)` in a source text. */
export const variablesUsed = (text: string): string[] => [...text.matchAll(/var\((--fl-[\w-]+)/g)].map((m) => m[1]);
