/** Minimal, strict argv parser: `--flag value`, `--flag=value`, boolean `--flag`, positionals. */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ZodType } from 'zod';

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], booleanFlags: readonly string[] = []): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (booleanFlags.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      i++;
    }
    const list = options.get(name) ?? [];
    list.push(value);
    options.set(name, list);
  }
  return { positionals, options, flags };
}

export function option(args: ParsedArgs, name: string): string | undefined {
  const values = args.options.get(name);
  return values?.[values.length - 1];
}

export function requiredOption(args: ParsedArgs, name: string): string {
  const value = option(args, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

/** A number option; with `schema` (the contract's own zod schema for the field) its range and integrality are checked too. */
export function numberOption(args: ParsedArgs, name: string, fallback: number, schema?: ZodType<unknown>): number {
  const raw = option(args, name);
  if (raw === undefined) return fallback;
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
  const checked = schema?.safeParse(value);
  if (checked && !checked.success)
    throw new UsageError(`--${name}: ${checked.error.issues.map((i) => i.message).join('; ')} (got "${raw}")`);
  return value;
}

/** A TCP port for `serve`: 0 (any free port) to 65535. */
export function portOption(args: ParsedArgs, name: string): number {
  const raw = option(args, name);
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535) throw new UsageError(`--${name} must be a whole number from 0 to 65535, got "${raw}"`);
  return value;
}

export type PathRule = 'existing-folder' | 'existing-file' | 'folder-or-new';

function kindOf(path: string): 'folder' | 'file' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

/** Resolves a path option and checks it is what the command needs, so a typo fails here, not deep in a job. */
export function checkPath(raw: string, what: string, rule: PathRule): string {
  if (raw.trim() === '' || raw.includes('\0')) throw new UsageError(`${what} must be a path, got "${raw}"`);
  const path = resolve(raw);
  const kind = kindOf(path);
  if (rule === 'existing-folder' && kind !== 'folder')
    throw new UsageError(`${what}: ${kind === 'missing' ? 'no such folder' : 'not a folder'}: ${path}`);
  if (rule === 'existing-file' && kind !== 'file')
    throw new UsageError(`${what}: ${kind === 'missing' ? 'no such file' : 'not a file'}: ${path}`);
  if (rule === 'folder-or-new' && kind === 'file') throw new UsageError(`${what}: is a file, expected a folder: ${path}`);
  return path;
}

export function pathOption(args: ParsedArgs, name: string, rule: PathRule): string | undefined {
  const raw = option(args, name);
  return raw === undefined ? undefined : checkPath(raw, `--${name}`, rule);
}

export function requiredPathOption(args: ParsedArgs, name: string, rule: PathRule): string {
  return checkPath(requiredOption(args, name), `--${name}`, rule);
}

/** Rejects options the command does not know, so typos fail loudly. */
export function assertKnownOptions(args: ParsedArgs, known: readonly string[]): void {
  for (const name of args.options.keys()) {
    if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
  }
  for (const name of args.flags) {
    if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
  }
}
