import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ModelKind, RunRecord } from '../../api/run.ts';
import { RunIdSchema } from '../../api/runs.ts';
import { readRunRecord } from '../run/run-record.ts';
import { EngineError, type EngineErrorCode } from '../../api/errors.ts';

export class RunWorkspaceError extends EngineError {
  constructor(message: string, code: EngineErrorCode = 'error') {
    super(code, message);
    this.name = 'RunWorkspaceError';
  }
}

/** The writable folder where runs live, `<dir>/runs/<runId>/`, apart from any (read-only) dataset. */
export class RunWorkspace {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  get runsDir(): string {
    return join(this.dir, 'runs');
  }

  /** The folder of a run; the id is checked so it can never point outside `runs/`. */
  runDir(runId: string): string {
    const parsed = RunIdSchema.safeParse(runId);
    if (!parsed.success) throw new RunWorkspaceError(`invalid run id "${runId}": ${parsed.error.issues[0]?.message}`);
    return join(this.runsDir, parsed.data);
  }

  /** An id that sorts by creation time and says what was trained, e.g. `20250101-120000-scratch-a1b2`. */
  newRunId(model: ModelKind, now = new Date()): string {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    for (;;) {
      const id = `${stamp}-${model}-${randomBytes(2).toString('hex')}`;
      if (!existsSync(this.runDir(id))) return id;
    }
  }

  /** Every readable run, newest first; folders without a valid run.json are skipped. */
  async listRecords(): Promise<RunRecord[]> {
    if (!existsSync(this.runsDir)) return [];
    const entries = await readdir(this.runsDir, { withFileTypes: true });
    const records: RunRecord[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || !RunIdSchema.safeParse(entry.name).success) continue;
      const dir = join(this.runsDir, entry.name);
      if (!existsSync(join(dir, 'run.json'))) continue;
      try {
        records.push(await readRunRecord(dir));
      } catch {
        // a half-written or foreign folder: not a run we can show
      }
    }
    return records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  async record(runId: string): Promise<RunRecord> {
    const dir = this.runDir(runId);
    if (!existsSync(join(dir, 'run.json'))) throw new RunWorkspaceError(`no run "${runId}" in ${this.runsDir}`);
    return readRunRecord(dir);
  }
}
