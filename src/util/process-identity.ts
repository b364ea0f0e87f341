import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * A process as another process of the same host can recognise it later: a short hash of the host
 * name, the pid, and the process's start time (Linux: clock ticks since boot from
 * `/proc/{pid}/stat`; 0 where unknown), so that a reused pid is not taken for the same process.
 */
export interface ProcessIdentity {
  /** First 8 hex digits of the SHA-256 of the host name. */
  readonly host: string;
  readonly pid: number;
  /** Start time in clock ticks since boot; 0 where unknown. */
  readonly start: number;
}

/** This process. */
export function currentProcess(): ProcessIdentity {
  return { host: hostTag(), pid: process.pid, start: processStart(process.pid) ?? 0 };
}

/**
 * Whether the process still runs: `true` or `false` for a process of this host, `undefined` for a
 * process of another host (nothing here can tell).
 */
export function processRuns(identity: ProcessIdentity): boolean | undefined {
  if (identity.host !== hostTag()) return undefined;
  return isRunning(identity.pid, identity.start);
}

let cachedHostTag: string | undefined;

/** The short hash of this host's name that identities carry. */
export function hostTag(): string {
  cachedHostTag ??= createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  return cachedHostTag;
}

/** Whether process `pid` of this host runs and (where start times are known) is the one that started at `start`. */
export function isRunning(pid: number, start: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const current = processStart(pid);
  // A reused pid: the process with that number started at another time.
  return start === 0 || current === undefined || current === start;
}

/** The start time of a process in clock ticks since boot (Linux), or `undefined` where unknown. */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses); starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isSafeInteger(start) && start > 0 ? start : undefined;
  } catch {
    return undefined;
  }
}
