/**
 * What the desktop app remembers between starts: the last dataset folder and the window size, in a small
 * JSON file in userData, written atomically. A missing or damaged file means "nothing remembered".
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../engine/fs/atomic-write.ts';

export const AppStateSchema = z.object({
  lastDataset: z.string().min(1).nullable().catch(null),
  window: z
    .object({ width: z.number().int().min(400).max(20_000), height: z.number().int().min(300).max(20_000) })
    .nullable()
    .catch(null),
});
export type AppState = z.infer<typeof AppStateSchema>;

const EMPTY: AppState = { lastDataset: null, window: null };

export function readAppState(file: string): AppState {
  try {
    const parsed = AppStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : { ...EMPTY };
  } catch {
    return { ...EMPTY };
  }
}

/** Keeps the state in memory and writes it one save at a time (the last change always lands). */
export class AppStateFile {
  private state: AppState;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {
    this.state = readAppState(file);
  }

  get current(): Readonly<AppState> {
    return this.state;
  }

  update(change: Partial<AppState>): Promise<void> {
    const next = { ...this.state, ...change };
    if (JSON.stringify(next) === JSON.stringify(this.state)) return this.writing;
    this.state = next;
    const text = `${JSON.stringify(next, null, 2)}\n`;
    this.writing = this.writing
      .then(() => writeFileAtomic(this.file, text))
      .catch((error: Error) => console.warn(`floodlens: cannot save ${this.file}: ${error.message}`));
    return this.writing;
  }
}
