import { vi } from 'vitest';
import { runCommandLine } from '../../src/cli/run-command-line.js';
import type { CliResult } from './run-cli.js';

/** Thrown in place of `process.exit` while the CLI runs in the test's process. */
class ExitRequest extends Error {
  public constructor(public readonly code: number) {
    super(`process.exit(${code})`);
    this.name = 'ExitRequest';
  }
}

let running = false;

/**
 * Run the `iiif-batch` command line in this process, as `bin/iiif-batch.js` would in its own:
 * what it writes to stdout and stderr (and yargs' help and messages, which go through `console`) is
 * captured, `process.exit` ends the command instead of the test process, and the exit status is
 * `process.exitCode` when the command returns. `env` entries are set for the call and restored after
 * it. Much cheaper than `runCli` (no Node start, the modules are loaded once per test file); use
 * `runCli` where the real process matters (signals, the launcher, output when it exits). Calls
 * must not overlap.
 */
export async function runCliInProcess(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  if (running) throw new Error('runCliInProcess: another call is still running');
  running = true;
  let stdout = '';
  let stderr = '';
  const capture =
    (append: (text: string) => void) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture((text) => (stdout += text))),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture((text) => (stderr += text))),
    vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => (stdout += `${parts.join(' ')}\n`)),
    vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => (stderr += `${parts.join(' ')}\n`)),
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new ExitRequest(Number(code ?? 0));
    }),
  ];
  const savedEnv = new Map(Object.keys(options.env ?? {}).map((name) => [name, process.env[name]]));
  const savedExitCode = process.exitCode;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  process.exitCode = undefined;
  try {
    let code: number;
    try {
      await runCommandLine(args);
      code = Number(process.exitCode ?? 0);
    } catch (error) {
      if (!(error instanceof ExitRequest)) throw error;
      code = error.code;
    }
    return { code, stdout, stderr };
  } finally {
    process.exitCode = savedExitCode;
    for (const [name, value] of savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    for (const spy of spies) spy.mockRestore();
    running = false;
  }
}
