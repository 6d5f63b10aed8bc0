/**
 * Checks a config built from command-line flags against the contract's zod schema, naming the flag
 * (`epochs` → `--epochs`) and the value given, so bad input is a usage error before any job starts.
 */
import type { ZodType } from 'zod';
import { checkPath, UsageError, type PathRule } from './args.ts';

export function flagName(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function checkConfigFlags<T>(
  schema: ZodType<T>,
  config: unknown,
  paths: Record<string, PathRule> = {},
  flagOf: Record<string, string> = {},
): T {
  const record = config as Record<string, unknown>;
  for (const [field, rule] of Object.entries(paths)) {
    const value = record[field];
    if (typeof value === 'string') checkPath(value, flagOf[field] ?? flagName(field), rule);
  }
  const parsed = schema.safeParse(config);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    const flag = flagOf[field] ?? flagName(field);
    return `${flag}: ${issue.message} (got ${JSON.stringify(record[field])})`;
  });
  throw new UsageError(problems.join('\n'));
}
