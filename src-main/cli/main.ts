#!/usr/bin/env node
import { commands } from './commands/index.ts';
import { UsageError } from './args.ts';
import type { CliIo } from './command.ts';

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function helpText(): string {
  const lines = ['Usage: floodlens <command> [options]', '', 'Commands:'];
  for (const command of commands) lines.push(`  ${command.path.join(' ').padEnd(20)} ${command.summary}`);
  return lines.join('\n') + '\n';
}

export async function runCli(argv: string[], cliIo: CliIo = io): Promise<number> {
  const command = commands.filter((c) => c.path.every((word, i) => argv[i] === word)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!command || (argv.includes('--help') && argv.length === 1)) {
    cliIo.stderr(helpText());
    return argv.length === 0 || argv[0] === '--help' ? 0 : 2;
  }
  const rest = argv.slice(command.path.length);
  if (rest.includes('--help')) {
    cliIo.stdout(command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, cliIo);
  } catch (error) {
    if (error instanceof UsageError) {
      cliIo.stderr(`floodlens ${command.path.join(' ')}: ${error.message}\n${command.usage}\n`);
      return 2;
    }
    cliIo.stderr(`floodlens ${command.path.join(' ')}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isEntry) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
