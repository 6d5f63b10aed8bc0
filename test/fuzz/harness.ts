/**
 * Runs one fuzz case under time and memory bounds and turns a property failure into a saved,
 * minimised regression file. Shared by the CI fuzz tests and `scripts/fuzz-long.ts`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';

export const REGRESSIONS_DIR = resolve(import.meta.dirname, '../fixtures/fuzz-regressions');
/** CI seed: fixed so a red run is reproducible; the long script takes --seed. */
export const CI_SEED = 20_240_611;

export interface CaseBudget {
  /**
   * CPU time (user + system) of the case: what a hang or a quadratic blow-up spends. Wall time is not
   * used for the verdict: on a loaded machine, or under `nice -n 19`, a cheap case can wait seconds for a core.
   */
  maxMillis: number;
  /** Wall-clock backstop for a case that waits rather than computes. */
  maxWallMillis?: number;
  /** Peak resident growth (VmHWM over the RSS at the start) and ArrayBuffer growth. */
  maxGrowthBytes: number;
}

export const DEFAULT_BUDGET: CaseBudget = { maxMillis: 5_000, maxGrowthBytes: 160 * 2 ** 20 };

export interface CaseResult {
  outcome: 'valid' | 'typed-error';
  millis: number;
  peakGrowthBytes: number;
  arrayBufferGrowthBytes: number;
  message: string | null;
}

function statusKb(field: string): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0); false when the kernel does not allow it. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export class BoundsExceeded extends Error {}

/**
 * Runs `target`. It may return (valid result) or throw an error `isTyped` accepts; anything else,
 * or exceeding the budget, throws. (A synchronous infinite loop cannot be interrupted in-process: the
 * test's own timeout is the backstop, and `millis` catches anything merely slow.)
 */
export async function boundedCase(
  target: () => Promise<unknown>,
  isTyped: (error: unknown) => boolean,
  budget: CaseBudget = DEFAULT_BUDGET,
): Promise<CaseResult> {
  const canMeasurePeak = resetPeak();
  const rssBefore = statusKb('VmRSS');
  const buffersBefore = process.memoryUsage().arrayBuffers;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let outcome: CaseResult['outcome'] = 'valid';
  let message: string | null = null;
  try {
    await target();
  } catch (error) {
    if (!isTyped(error)) throw error;
    outcome = 'typed-error';
    message = (error as Error).message;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const millis = (cpu.user + cpu.system) / 1000;
  const wallMillis = performance.now() - started;
  const peakGrowthBytes = canMeasurePeak ? Math.max(0, statusKb('VmHWM') - rssBefore) : 0;
  const arrayBufferGrowthBytes = Math.max(0, process.memoryUsage().arrayBuffers - buffersBefore);
  if (millis > budget.maxMillis) throw new BoundsExceeded(`case took ${millis.toFixed(0)} ms of CPU (budget ${budget.maxMillis} ms)`);
  if (wallMillis > (budget.maxWallMillis ?? 60_000))
    throw new BoundsExceeded(`case took ${wallMillis.toFixed(0)} ms of wall time (backstop ${budget.maxWallMillis ?? 60_000} ms)`);
  if (peakGrowthBytes > budget.maxGrowthBytes || arrayBufferGrowthBytes > budget.maxGrowthBytes) {
    throw new BoundsExceeded(
      `case grew memory by ${(peakGrowthBytes / 2 ** 20).toFixed(1)} MiB resident / ${(arrayBufferGrowthBytes / 2 ** 20).toFixed(1)} MiB ArrayBuffers (budget ${(budget.maxGrowthBytes / 2 ** 20).toFixed(0)} MiB)`,
    );
  }
  return { outcome, millis, peakGrowthBytes, arrayBufferGrowthBytes, message };
}

export class FuzzStats {
  cases = 0;
  valid = 0;
  typedErrors = 0;
  maxMillis = 0;
  maxPeakGrowthBytes = 0;
  maxArrayBufferGrowthBytes = 0;
  readonly messages = new Map<string, number>();

  record(result: CaseResult): void {
    this.cases++;
    if (result.outcome === 'valid') this.valid++;
    else this.typedErrors++;
    this.maxMillis = Math.max(this.maxMillis, result.millis);
    this.maxPeakGrowthBytes = Math.max(this.maxPeakGrowthBytes, result.peakGrowthBytes);
    this.maxArrayBufferGrowthBytes = Math.max(this.maxArrayBufferGrowthBytes, result.arrayBufferGrowthBytes);
    if (result.message) {
      // group messages by their shape, not their numbers or paths
      const key = result.message
        .replace(/^\S+: /, '')
        .replace(/\d+/g, 'N')
        .slice(0, 90);
      this.messages.set(key, (this.messages.get(key) ?? 0) + 1);
    }
  }

  summary(name: string): string {
    return (
      `${name}: ${this.cases} cases, ${this.valid} valid, ${this.typedErrors} typed errors; ` +
      `slowest ${this.maxMillis.toFixed(0)} ms, peak RSS growth ${(this.maxPeakGrowthBytes / 2 ** 20).toFixed(1)} MiB, ` +
      `ArrayBuffer growth ${(this.maxArrayBufferGrowthBytes / 2 ** 20).toFixed(1)} MiB; ${this.messages.size} distinct error kinds`
    );
  }
}

/** Saves a failing input where the regression test replays it; returns the path. */
export function saveRegression(prefix: string, extension: string, bytes: Uint8Array): string {
  mkdirSync(REGRESSIONS_DIR, { recursive: true });
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const path = join(REGRESSIONS_DIR, `${prefix}-${hash}.${extension}`);
  writeFileSync(path, bytes);
  return path;
}

export interface FuzzRunOptions {
  seed: number;
  numRuns: number;
  /** Stop early (passing) after this long; fast-check's interruptAfterTimeLimit. */
  seconds?: number;
  /**
   * Write each input here before running it, so a crash no in-process check can catch (out of
   * memory, a hang killed from outside) still leaves the input on disk. Removed when the run ends.
   */
  inProgressFile?: string;
}

/**
 * fc.check with the given budget; on a counterexample (already shrunk by fast-check) saves its
 * bytes via `toBytes` and throws with the path and the original error.
 */
export async function runFuzz<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  check: (value: T) => Promise<void>,
  toBytes: (value: T) => { prefix: string; extension: string; bytes: Uint8Array },
  options: FuzzRunOptions,
): Promise<void> {
  const guarded = async (value: T) => {
    if (options.inProgressFile) writeFileSync(options.inProgressFile, toBytes(value).bytes);
    await check(value);
  };
  const details = await fc.check(fc.asyncProperty(arbitrary, guarded), {
    seed: options.seed,
    numRuns: options.numRuns,
    interruptAfterTimeLimit: options.seconds === undefined ? undefined : options.seconds * 1000,
    markInterruptAsFailure: false,
    endOnFailure: false,
  });
  if (options.inProgressFile) rmSync(options.inProgressFile, { force: true });
  if (!details.failed) return;
  // Interrupted by the time budget before a single case ran (a starved background chunk): no case, no failure.
  if (details.interrupted && details.counterexample === null && details.numRuns === 0) return;
  const counterexample = details.counterexample?.[0] as T | undefined;
  let saved = '(no counterexample)';
  if (counterexample !== undefined) {
    const { prefix, extension, bytes } = toBytes(counterexample);
    saved = saveRegression(prefix, extension, bytes);
  }
  const cause =
    details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
  throw new Error(
    `${name}: property failed after ${details.numRuns} runs (seed ${details.seed}, path ${details.counterexamplePath}); minimised input saved to ${saved}\n${cause}`,
  );
}
