import { basename, dirname, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { processEnv } from '../../config.js';
import { InvalidInputError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { FsStorage } from '../../storage/fs-storage.js';
import type { Storage } from '../../storage/storage.js';
import { verifyPrefix } from '../../verify/verify-prefix.js';
import type { VerifyResult } from '../../verify/verify-published.js';
import { verifyRun } from '../../verify/verify-run.js';
import { reportCommandError } from '../cli-error.js';
import { type TargetArgs, withCloudOptions, withTargetOptions } from '../cli-options.js';
import { commandLogger } from '../command-logger.js';
import { formatVerify } from '../format-verify.js';
import { openLocal, openTarget, runStoreOf } from '../open-target.js';

interface VerifyArgs extends TargetArgs {
  runId?: string;
  prefix?: string;
}

/** `iiif-batch verify RUN_ID` or `verify --prefix s3://bucket/prefix`: does every file a viewer asks for exist? */
export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify [run-id]',
  describe: 'Check that every file a viewer derives from a run (or a published tree) exists and is right',
  builder: (yargs: Argv) =>
    withCloudOptions(withTargetOptions(yargs))
      .positional('run-id', { type: 'string', describe: 'The run id (printed by run or submit)' })
      .option('prefix', {
        type: 'string',
        describe:
          'Verify a published tree instead of a run: s3://bucket/prefix (with --local-root: DIR/bucket/prefix), or a local folder',
      })
      .check((argv) => {
        if ((argv.runId === undefined) === (argv.prefix === undefined)) {
          throw new Error('Name either a RUN_ID or --prefix (one of them)');
        }
        return true;
      })
      .epilog(
        "For every image service: info.json parses and is the level-0 document its size and tiles imply; every URL OpenSeadragon (2.4 and later) and Mirador derive from it exists (each tile of each scale factor, full/max, each sizes entry); the manifests and the collection reference only files and services that exist. Each service's folder is listed (about one LIST per thousand files), never a HEAD per tile. The resume marker of every incomplete image service is withdrawn, so the next run of the task tiles it again. Exit status: 0 complete, 1 files missing or bad (each named), 2 bad usage or unknown run.",
      )
      .example('$0 verify RUN_ID --local-root ./data', 'A local run')
      .example('$0 verify RUN_ID', 'A cloud run (records in IIIF_BATCH_STATE_BUCKET)')
      .example('$0 verify --prefix s3://img-pub/iawa/Box2', 'A published tree in S3')
      .example(
        '$0 verify --prefix ./data/img-pub/iawa/Box2',
        'A published tree on disk',
      ) as unknown as Argv<VerifyArgs>,
  handler: async (argv: ArgumentsCamelCase<VerifyArgs>) => {
    try {
      const env = processEnv();
      let result: VerifyResult;
      if (argv.prefix !== undefined) {
        const place = await openPrefix(argv, env);
        result = await verifyPrefix(place.storage, place.bucket, place.prefix);
      } else {
        const target = await openTarget(argv, env);
        const runStore = runStoreOf(target);
        result = await verifyRun(
          { storage: runStore.storage, runStore, logger: commandLogger(env, argv.json) },
          argv.runId as string,
        );
      }
      const exitCode = result.status === 'complete' ? ExitCode.Ok : ExitCode.Failed;
      if (argv.json) process.stdout.write(`${JSON.stringify({ ...result, exitCode })}\n`);
      else process.stdout.write(`${formatVerify(result).join('\n')}\n`);
      process.exitCode = exitCode;
    } catch (error) {
      reportCommandError(error, argv.json);
    }
  },
};

/** Where `--prefix` points: S3 (or, with --local-root, its folder), or a local folder. */
async function openPrefix(
  argv: VerifyArgs,
  env: ReturnType<typeof processEnv>,
): Promise<{ storage: Storage; bucket: string; prefix: string }> {
  const prefix = argv.prefix as string;
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(prefix);
  if (s3 !== null) {
    const [, bucket = '', key = ''] = s3;
    const target = await openTarget(argv, env);
    const storage = target.kind === 'local' ? target.storage : target.aws.storage;
    return { storage, bucket, prefix: key.replace(/\/+$/, '') };
  }
  if (argv.localRoot !== undefined) {
    throw new InvalidInputError(`Expected --prefix s3://bucket/prefix with --local-root but received "${prefix}"`, {
      field: 'prefix',
    });
  }
  const folder = resolve(prefix);
  await openLocal(folder);
  return { storage: new FsStorage(dirname(folder)), bucket: basename(folder), prefix: '' };
}
