import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { hostTag, isRunning, processStart } from './process-identity.js';

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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
