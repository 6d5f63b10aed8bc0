/** One CLI command: `floodlens <name...> [args]`. Output goes through `io` so tests can capture it. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface CliCommand {
  /** Words that select the command, e.g. ['dataset', 'inspect']. */
  path: string[];
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}
