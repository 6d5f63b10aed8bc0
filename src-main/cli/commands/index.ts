import type { CliCommand } from '../command.ts';
import { serveCommand } from './serve.ts';
import { datasetInspectCommand } from './dataset-inspect.ts';
import { trainCommand } from './train.ts';
import { evaluateCommand } from './evaluate.ts';
import { predictCommand } from './predict.ts';
import { compareCommand } from './compare.ts';
import { weightsCommand } from './weights.ts';
import { embedCommand } from './embed.ts';
import { probeCommand } from './probe.ts';
import { doctorCommand } from './doctor.ts';
import { mergeCommand } from './merge.ts';
import { vectoriseCommand } from './vectorise.ts';
import { cvCommand } from './cv.ts';

/** Every CLI command; add new ones here. */
export const commands: CliCommand[] = [
  serveCommand,
  datasetInspectCommand,
  trainCommand,
  evaluateCommand,
  predictCommand,
  mergeCommand,
  compareCommand,
  weightsCommand,
  doctorCommand,
  embedCommand,
  probeCommand,
  vectoriseCommand,
  cvCommand,
];
