import { basename, join, resolve } from 'node:path';

/** Where a run keeps its files. */
export class RunFiles {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  get runId(): string {
    return basename(this.dir);
  }
  get runJson(): string {
    return join(this.dir, 'run.json');
  }
  get lastCheckpoint(): string {
    return join(this.dir, 'checkpoints', 'last.flck');
  }
  get bestCheckpoint(): string {
    return join(this.dir, 'checkpoints', 'best.flck');
  }
  /** The best weights as a PyTorch state dict, for use outside Floodlens. */
  get bestStateDict(): string {
    return join(this.dir, 'checkpoints', 'best.pt');
  }
  evaluation(name: string): string {
    return join(this.dir, `eval-${name}.json`);
  }
}
