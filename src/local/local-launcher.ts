import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ENTRY_POINTS, type Env, JOB_ENV } from '../config.js';
import { ExitCode } from '../exit-codes.js';
import type { JobLauncher, LaunchRequest, LaunchResult } from '../submitter/job-launcher.js';
import { forEachLimited } from '../util/for-each-limited.js';
import { packageRoot } from './package-root.js';

/** What the local launcher reports while it works (the CLI draws progress from these). */
export type LocalProgress =
  | { readonly type: 'child-start'; readonly child: number; readonly shard: number }
  | {
      readonly type: 'image';
      readonly shard: number;
      readonly done: number;
      readonly total: number;
      readonly status: string;
      readonly sourceKey: string;
      readonly reason?: string;
    }
  | { readonly type: 'child-exit'; readonly child: number; readonly shard: number; readonly exitCode: number }
  | { readonly type: 'assembler-start' }
  | { readonly type: 'assembler-exit'; readonly exitCode: number }
  /** A line from a child that is not a progress event: errors, warnings, crash output. */
  | { readonly type: 'output'; readonly from: string; readonly level: string; readonly message: string };

export interface LocalLaunchResult extends LaunchResult {
  readonly children: readonly { readonly child: number; readonly shard: number; readonly exitCode: number }[];
  readonly assemblerExitCode: number;
}

export interface LocalLauncherOptions {
  /** Folder that holds one folder per bucket. */
  readonly localRoot: string;
  /** How many shard workers run at once. */
  readonly workers: number;
  /** Environment the children inherit (PATH, HOME, ...); the job variables are added to it. */
  readonly baseEnv: Env;
  /** libvips threads per worker (VIPS_CONCURRENCY), so N workers share the CPUs instead of oversubscribing. */
  readonly threadsPerWorker?: number;
  /**
   * Attempts per job including the first, as the stack's Batch retry strategy (`jobAttempts`):
   * a child that exits non-zero (other than 2, invalid input) or is killed runs again. Default 3.
   */
  readonly attempts?: number;
  readonly onProgress?: (progress: LocalProgress) => void;
}

/** The stack's default `jobAttempts`. */
const DEFAULT_ATTEMPTS = 3;

/**
 * Stands in for AWS Batch on one machine, with Batch's semantics: starts the real shard-worker entry
 * point once per shard (at most `workers` at a time) with the environment a Batch array child gets,
 * runs a child again when it could not do its job (a non-zero exit other than 2, or killed: out of
 * memory, SIGKILL) up to `attempts` times, and runs the real assembler entry point once every child
 * has succeeded, as the Batch dependency does. (A child exits 0 once every image's outcome is
 * recorded, failed images included.) When a child still fails, the assembler is not run, as Batch
 * cancels it: `resubmit` runs the shard and the assembler again. Resolves when the jobs have ended.
 */
export class LocalJobLauncher implements JobLauncher {
  public readonly kind = 'local' as const;
  public readonly waitsForJobs = true;

  public constructor(private readonly options: LocalLauncherOptions) {}

  public async launch(request: LaunchRequest): Promise<LocalLaunchResult> {
    const root = packageRoot();
    const progress = this.options.onProgress ?? (() => undefined);
    const jobEnv: Record<string, string> = {
      [JOB_ENV.runId]: request.runId,
      [JOB_ENV.stateBucket]: request.state.bucket,
      [JOB_ENV.statePrefix]: request.state.prefix,
      [JOB_ENV.attempt]: String(request.attempt),
      [JOB_ENV.localRoot]: this.options.localRoot,
      LOG_FORMAT: 'json',
      // As in the container image: few malloc arenas keep libvips' many threads from bloating RSS.
      MALLOC_ARENA_MAX: this.options.baseEnv.MALLOC_ARENA_MAX ?? '2',
    };
    if (this.options.threadsPerWorker !== undefined) jobEnv.VIPS_CONCURRENCY = String(this.options.threadsPerWorker);

    const attempts = this.options.attempts ?? DEFAULT_ATTEMPTS;
    const children: { child: number; shard: number; exitCode: number }[] = [];
    const indexes = request.shards.map((shard, child) => ({ shard, child }));
    await forEachLimited(indexes, this.options.workers, async ({ shard, child }) => {
      progress({ type: 'child-start', child, shard });
      const env = { ...this.options.baseEnv, ...jobEnv, [JOB_ENV.arrayIndex]: String(child) };
      const file = join(root, ENTRY_POINTS.shardWorker);
      const exitCode = await withAttempts(attempts, `shard ${shard}`, progress, () =>
        runEntryPoint(file, env, `shard ${shard}`, progress),
      );
      children.push({ child, shard, exitCode });
      progress({ type: 'child-exit', child, shard, exitCode });
    });

    let assemblerExitCode: number = ExitCode.Failed;
    if (children.every((child) => child.exitCode === ExitCode.Ok)) {
      progress({ type: 'assembler-start' });
      const file = join(root, ENTRY_POINTS.assembler);
      assemblerExitCode = await withAttempts(attempts, 'assembler', progress, () =>
        runEntryPoint(file, { ...this.options.baseEnv, ...jobEnv }, 'assembler', progress),
      );
      progress({ type: 'assembler-exit', exitCode: assemblerExitCode });
    } else {
      const failed = children.filter((child) => child.exitCode !== ExitCode.Ok).map((child) => child.shard);
      progress({
        type: 'output',
        from: 'assembler',
        level: 'error',
        message:
          `not run: shard(s) ${failed.join(', ')} could not record their images' outcomes after ${attempts} ` +
          `attempt(s) (as Batch cancels the assembler of a failed shard job); fix the cause, then ` +
          `iiif-batch resubmit ${request.runId}`,
      });
    }

    const id = `local:${request.runId}:attempt-${request.attempt}`;
    return {
      shardJobId: `${id}:shards`,
      assemblerJobId: `${id}:assembler`,
      completed: true,
      children: children.sort((a, b) => a.child - b.child),
      assemblerExitCode,
    };
  }
}

/**
 * Run a job up to `attempts` times while it exits non-zero, except 2 (invalid input: no retry can
 * help), as Batch's retry strategy does. Resolves to the last exit code.
 */
async function withAttempts(
  attempts: number,
  from: string,
  progress: (progress: LocalProgress) => void,
  run: () => Promise<number>,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const exitCode = await run();
    if (exitCode === ExitCode.Ok || exitCode === ExitCode.Invalid || attempt >= attempts) return exitCode;
    progress({
      type: 'output',
      from,
      level: 'warn',
      message: `exited with ${exitCode}; trying again (attempt ${attempt + 1} of ${attempts})`,
    });
  }
}

/** Run one entry point with Node, turning its JSON log lines into progress. Resolves to its exit code. */
function runEntryPoint(
  file: string,
  env: Env,
  from: string,
  progress: (progress: LocalProgress) => void,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const onLine = (line: string): void => {
      if (line.trim() === '') return;
      const event = parseLine(line);
      if (event === undefined) {
        progress({ type: 'output', from, level: 'error', message: line });
      } else if (event.event === 'image' && typeof event.shard === 'number') {
        progress({
          type: 'image',
          shard: event.shard,
          done: Number(event.done ?? 0),
          total: Number(event.total ?? 0),
          status: String(event.status ?? ''),
          sourceKey: String(event.sourceKey ?? ''),
          ...(typeof event.reason === 'string' ? { reason: event.reason } : {}),
        });
      } else if (event.level === 'warn' || event.level === 'error') {
        progress({ type: 'output', from, level: String(event.level), message: String(event.message ?? line) });
      }
    };
    createInterface({ input: child.stderr }).on('line', onLine);
    createInterface({ input: child.stdout }).on('line', onLine);
    child.on('error', (error) => {
      progress({ type: 'output', from, level: 'error', message: `cannot start ${file}: ${error.message}` });
      resolve(1);
    });
    child.on('close', (code, signal) => {
      if (signal !== null) progress({ type: 'output', from, level: 'error', message: `killed by ${signal}` });
      resolve(code ?? 1);
    });
  });
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
