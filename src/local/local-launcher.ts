import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ENTRY_POINTS, type Env, JOB_ENV } from '../config.js';
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
  readonly onProgress?: (progress: LocalProgress) => void;
}

/**
 * Stands in for AWS Batch on one machine: starts the real shard-worker entry point once per shard
 * (at most `workers` at a time) with the environment a Batch array child gets, and the real
 * assembler entry point once every child has exited, as the Batch dependency would. Resolves
 * when the assembler has exited.
 */
export class LocalJobLauncher implements JobLauncher {
  public readonly kind = 'local' as const;

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

    const children: { child: number; shard: number; exitCode: number }[] = [];
    const indexes = request.shards.map((shard, child) => ({ shard, child }));
    await forEachLimited(indexes, this.options.workers, async ({ shard, child }) => {
      progress({ type: 'child-start', child, shard });
      const env = { ...this.options.baseEnv, ...jobEnv, [JOB_ENV.arrayIndex]: String(child) };
      const exitCode = await runEntryPoint(join(root, ENTRY_POINTS.shardWorker), env, `shard ${shard}`, progress);
      children.push({ child, shard, exitCode });
      progress({ type: 'child-exit', child, shard, exitCode });
    });

    progress({ type: 'assembler-start' });
    const assemblerExitCode = await runEntryPoint(
      join(root, ENTRY_POINTS.assembler),
      { ...this.options.baseEnv, ...jobEnv },
      'assembler',
      progress,
    );
    progress({ type: 'assembler-exit', exitCode: assemblerExitCode });

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
