/**
 * `npm run lint:electron`: runs @doyensec/electronegativity over the Electron main/preload sources and the
 * renderer page, and fails on any HIGH or MEDIUM finding that is not accepted in accepted.json with a
 * justification that docs/SECURITY.md also gives. Works offline (its release check just fails).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export interface Finding {
  check: string;
  severity: string;
  confidence: string;
  file: string;
  location: string;
  sample: string;
  description: string;
}

export interface AcceptedFinding {
  check: string;
  file: string;
  sample: string;
  why: string;
}

const repoRoot = resolve(import.meta.dirname, '..');

/** Copies what the scan should see (Electron main + preload sources, the renderer page with its CSP) into `dir`. */
export function stageSources(dir: string, root = repoRoot): void {
  cpSync(join(root, 'src-main/electron'), join(dir, 'electron'), { recursive: true });
  cpSync(join(root, 'src-renderer/index.html'), join(dir, 'index.html'));
}

export function electronVersion(root = repoRoot): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  return (manifest.devDependencies?.electron ?? '').replace(/^[^\d]*/, '');
}

interface RawIssue {
  id: string;
  severity: { name: string };
  confidence: { name: string };
  file: string;
  location: { line: number; column: number };
  sample?: string;
  description: string;
}

type Runner = (
  options: { input: string; isRelative: boolean; electronVersionOverride: string; customScan?: string[]; excludeFromScan?: string[] },
  forCli: boolean,
) => Promise<{
  globalChecks: number;
  atomicChecks: number;
  errors: { file: string; message: string; tolerable: boolean }[];
  issues: RawIssue[];
}>;

/**
 * Runs electronegativity's programmatic API (its CLI's CSV writer truncates its own report at random:
 * header and rows are two unordered async writes).
 */
export async function scan(inputDir: string, version: string): Promise<Finding[]> {
  const run = createRequire(import.meta.url)('@doyensec/electronegativity') as Runner;
  const result = await run({ input: inputDir, isRelative: true, electronVersionOverride: version }, false);
  if (result.atomicChecks + result.globalChecks < 20)
    throw new Error(`electronegativity loaded only ${result.atomicChecks + result.globalChecks} checks`);
  const fatal = result.errors.filter((e) => !e.tolerable);
  if (fatal.length > 0) throw new Error(`electronegativity could not parse: ${fatal.map((e) => `${e.file}: ${e.message}`).join('; ')}`);
  return result.issues.map((issue) => ({
    check: issue.id,
    severity: issue.severity.name,
    confidence: issue.confidence.name,
    file: issue.file,
    location: `${issue.location?.line ?? 0}:${issue.location?.column ?? 0}`,
    sample: issue.sample ?? '',
    description: issue.description,
  }));
}

export function isBlocking(finding: Finding): boolean {
  return finding.severity === 'HIGH' || finding.severity === 'MEDIUM';
}

export function unaccepted(findings: Finding[], accepted: AcceptedFinding[]): Finding[] {
  return findings
    .filter(isBlocking)
    .filter((f) => !accepted.some((a) => a.check === f.check && a.file === f.file && f.sample.includes(a.sample)));
}

async function main(): Promise<number> {
  const accepted = JSON.parse(readFileSync(join(import.meta.dirname, 'accepted.json'), 'utf8')) as AcceptedFinding[];
  const securityDoc = readFileSync(join(repoRoot, 'docs/SECURITY.md'), 'utf8');
  const stage = mkdtempSync(join(tmpdir(), 'floodlens-electronegativity-input-'));
  try {
    mkdirSync(stage, { recursive: true });
    stageSources(stage);
    const findings = await scan(stage, electronVersion());
    for (const f of findings)
      console.log(`${f.severity.padEnd(6)} ${f.confidence.padEnd(9)} ${f.check.padEnd(40)} ${f.file}:${f.location}  ${f.description}`);
    const undocumented = accepted.filter((a) => !securityDoc.includes(a.check));
    const blocking = unaccepted(findings, accepted);
    for (const a of undocumented) console.error(`accepted.json accepts ${a.check} but docs/SECURITY.md does not justify it`);
    for (const f of blocking)
      console.error(`UNACCEPTED ${f.severity} ${f.check} at ${f.file}:${f.location}: ${f.description} (${f.sample})`);
    const counts = {
      high: findings.filter((f) => f.severity === 'HIGH').length,
      medium: findings.filter((f) => f.severity === 'MEDIUM').length,
      low: findings.filter((f) => f.severity === 'LOW').length,
    };
    console.log(
      `electronegativity: ${findings.length} finding(s): ${counts.high} high, ${counts.medium} medium (${counts.high + counts.medium - blocking.length} accepted, see docs/SECURITY.md), ${counts.low} low/info; ${blocking.length} unaccepted`,
    );
    return blocking.length === 0 && undocumented.length === 0 ? 0 : 1;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) process.exitCode = await main();
