import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { processEnv } from '../../config.js';
import { InvalidInputError } from '../../errors.js';
import { PREVIEW_PATH } from '../../preview/preview-assets.js';
import { publishedRoot } from '../../preview/published-root.js';
import { startPreviewServer } from '../../preview/start-preview-server.js';
import { port as portRule } from '../../validation/rules.js';
import { reportCommandError } from '../cli-error.js';
import { checkFlag } from '../cli-options.js';
import { commandLogger } from '../command-logger.js';

interface ServeArgs {
  dir?: string;
  localRoot?: string;
  port: number;
  host: string;
  json: boolean;
}

/** `iiif-batch serve DIR`: look at what was produced before publishing it. */
export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve [dir]',
  describe: 'Serve a published tree or a local root with CORS, and a page that opens it in Mirador and OpenSeadragon',
  builder: (yargs: Argv) =>
    yargs
      .positional('dir', {
        type: 'string',
        describe:
          'Folder to serve: a published tree, or a local root (then its one bucket with published manifests is served at /)',
      })
      .option('local-root', { type: 'string', describe: 'Same as DIR' })
      .option('port', { type: 'number', default: 8080, describe: 'TCP port (0: any free port)' })
      .option('host', {
        type: 'string',
        default: '127.0.0.1',
        describe: 'Interface to bind (default: this machine only; 0.0.0.0 shares it on your network)',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print one JSON line with the addresses on stdout once listening',
      })
      .check((argv) => {
        const { port, dir, localRoot } = argv as unknown as ServeArgs;
        checkFlag('--port', portRule, port);
        if (dir === undefined && localRoot === undefined) throw new Error('Name the folder to serve: serve DIR');
        if (dir !== undefined && localRoot !== undefined && dir !== localRoot) {
          throw new Error('Name the folder once: either DIR or --local-root');
        }
        return true;
      })
      .epilog(
        `Every file under DIR is served with its media type and Access-Control-Allow-Origin: *; the preview page is at ${PREVIEW_PATH}. ` +
          'It runs until Ctrl-C. Exit status: 0 stopped by Ctrl-C, 2 bad usage (no such folder, port in use).',
      )
      .example('$0 serve examples/data', 'Look at the example collection after npm run demo')
      .example('$0 serve ./data --port 9000', 'On another port') as unknown as Argv<ServeArgs>,
  handler: async (argv: ArgumentsCamelCase<ServeArgs>) => {
    try {
      const dir = argv.dir ?? argv.localRoot;
      if (dir === undefined) throw new InvalidInputError('Expected a folder to serve but received none');
      const { root, bucket } = await publishedRoot(dir);
      const server = await startPreviewServer({
        root,
        host: argv.host,
        port: argv.port,
        logger: commandLogger(processEnv(), argv.json),
      });
      const preview = `${server.url}${PREVIEW_PATH}`;
      if (argv.json) {
        process.stdout.write(
          `${JSON.stringify({ url: server.url, preview, host: server.host, port: server.port, root, bucket })}\n`,
        );
      } else {
        const what = bucket === undefined ? root : `${root} (bucket "${bucket}" of the local root ${dir})`;
        process.stdout.write(`Serving ${what} at ${server.url}/\nPreview:  ${preview}\nPress Ctrl-C to stop.\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
      if (!argv.json) process.stdout.write('Stopped.\n');
      process.exitCode = 0;
    } catch (error) {
      reportCommandError(error, argv.json);
    }
  },
};
