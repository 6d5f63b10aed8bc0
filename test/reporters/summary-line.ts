import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line CI reads: "tests: N passed, N failed, N skipped". In CI (`CI=true`, where every
 * reference is installed and ../shared is present) a skipped test fails the run: it names the skipped tests and
 * sets a non-zero exit code.
 */
export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped.push(`${module.moduleId.replace(process.cwd() + '/', '')} > ${test.fullName}`);
      }
      if (module.state() === 'failed' && module.children.size === 0) failed++;
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped.length} skipped\n`);
    if (skipsFailTheRun() && skipped.length > 0) {
      process.stdout.write(`CI=true: nothing may be skipped in CI, but these were:\n${skipped.map((name) => `  - ${name}`).join('\n')}\n`);
      process.exitCode = 1;
    }
  }
}

/** CI runs with every reference installed, so a skip there means a check silently did not run. */
export function skipsFailTheRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true';
}
