/** `inspectDataset(<dir>)` as JSON on stdout: the scan alone, for a child process run as another user. */
import { inspectDataset } from '../../../src-main/engine/dataset/inspect.ts';

process.stdout.write(JSON.stringify(await inspectDataset(process.argv[2])));
