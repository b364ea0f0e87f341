import { hideBin } from 'yargs/helpers';
import { runCommandLine } from './run-command-line.js';

/** Entry point of the `iiif-batch` command (`bin/iiif-batch.js` imports it once built). */
await runCommandLine(hideBin(process.argv));
