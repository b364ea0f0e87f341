import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * A process's own working folder, named after its owner so that a later process can tell whether
 * the owner still runs: `{prefix}{host}-{pid}-{start}-{random}`, where `host` is a short hash of the
 * host name and `start` the process's start time (Linux: clock ticks since boot from
 * `/proc/{pid}/stat`; 0 where unknown). The name is created atomically by `mkdtemp`: no owner file
 * that a sweeping process could find missing.
 *
 * Before creating its own, the caller removes every folder of `prefix` in `parent` whose owner is a
 * process of this host that no longer runs (killed, out of memory, Ctrl-C): what a crash leaves is
 * gone after the next run starts. Folders of live processes, and of other hosts (a shared temp
 * folder), are never touched.
 *
 * @returns the new folder's path; the caller removes it when done
 */
export async function claimWorkFolder(parent: string, prefix: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  await removeDeadWorkFolders(parent, prefix);
  return mkdtemp(join(parent, `${prefix}${hostTag()}-${process.pid}-${processStart(process.pid) ?? 0}-`));
}

/**
 * Remove the folders of `prefix` in `parent` whose owners (by the name `claimWorkFolder` gives)
 * ran on this host and have exited. Returns the removed paths.
 */
export async function removeDeadWorkFolders(parent: string, prefix: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const pattern = new RegExp(`^${escapeRegExp(prefix)}([0-9a-f]{8})-(\\d+)-(\\d+)-[^/]+$`);
  const removed: string[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match === null || match[1] !== hostTag()) continue;
    const pid = Number(match[2]);
    const start = Number(match[3]);
    if (isRunning(pid, start)) continue;
    const path = join(parent, name);
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

let cachedHostTag: string | undefined;

function hostTag(): string {
  cachedHostTag ??= createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  return cachedHostTag;
}

/** Whether process `pid` runs and (where start times are known) is the one that started at `start`. */
function isRunning(pid: number, start: number): boolean {
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
function processStart(pid: number): number | undefined {
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
