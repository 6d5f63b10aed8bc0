import type { CliCommand } from '../command.ts';
import { serveCommand } from './serve.ts';
import { datasetInspectCommand } from './dataset-inspect.ts';

/** Every CLI command; add new ones here. */
export const commands: CliCommand[] = [serveCommand, datasetInspectCommand];
